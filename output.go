package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"bosun/bosh"
)

// writeJSON prints v as indented JSON. Slices in the contract are never
// null: an empty list is [].
func writeJSON(w io.Writer, v any) error {
	switch x := v.(type) {
	case []bosh.Deployment:
		if x == nil {
			x = []bosh.Deployment{}
		}
		for i := range x {
			x[i].Releases = nonNil(x[i].Releases)
			x[i].Stemcells = nonNil(x[i].Stemcells)
			x[i].Teams = nonNil(x[i].Teams)
		}
		v = x
	case []bosh.Instance:
		for i := range x {
			x[i].IPs = nonNil(x[i].IPs)
			if x[i].Processes == nil {
				x[i].Processes = []bosh.Process{}
			}
		}
		return writeJSONArray(w, x)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeJSONArray streams a large list one element at a time, so printing
// 50,000 instances never holds the whole document in memory.
func writeJSONArray[T any](w io.Writer, items []T) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(items) == 0 {
		bw.WriteString("[]\n")
		return bw.Flush()
	}
	bw.WriteString("[\n")
	for i := range items {
		b, err := json.MarshalIndent(items[i], "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(b)
		if i < len(items)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeDeploymentsTable(w io.Writer, deps []bosh.Deployment) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRELEASES\tSTEMCELLS\tTEAMS")
	for _, d := range deps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, strings.Join(d.Releases, ","), strings.Join(d.Stemcells, ","), dash(strings.Join(d.Teams, ",")))
	}
	fmt.Fprintf(tw, "\n%d deployments\n", len(deps))
	return tw.Flush()
}

func writeInstancesTable(w io.Writer, insts []bosh.Instance, withDeployment bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "INSTANCE\tPROCESS STATE\tAZ\tIPS\tVM CID\tVM TYPE\tLOAD\tCPU\tMEM\tDISK SYS/EPH/PERS"
	if withDeployment {
		head = "DEPLOYMENT\t" + head
	}
	fmt.Fprintln(tw, head)
	for _, in := range insts {
		if withDeployment {
			fmt.Fprintf(tw, "%s\t", in.Deployment)
		}
		name := in.Name
		if in.Bootstrap {
			name += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, dash(in.ProcessState), dash(in.AZ),
			dash(strings.Join(in.IPs, ",")), dash(in.VMCID), dash(in.VMType), vitalsColumns(in.Vitals))
	}
	fmt.Fprintf(tw, "\n%d instances\n", len(insts))
	return tw.Flush()
}

func vitalsColumns(v *bosh.Vitals) string {
	if v == nil {
		return "-\t-\t-\t-"
	}
	pct := func(u *bosh.Usage) string {
		if u == nil {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", u.Percent)
	}
	return fmt.Sprintf("%.2f\t%.1f%%\t%.0f%%\t%s/%s/%s", v.Load[0], v.CPU.User+v.CPU.Sys, v.Mem.Percent,
		pct(v.System), pct(v.Ephemeral), pct(v.Persistent))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
