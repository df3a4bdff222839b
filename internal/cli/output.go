package cli

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
			x[i] = instanceForJSON(x[i])
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
	arr := newJSONArray(w)
	for i := range items {
		if err := arr.add(items[i]); err != nil {
			return err
		}
	}
	return arr.close()
}

// jsonArray writes a JSON array element by element.
type jsonArray struct {
	bw *bufio.Writer
	n  int
}

func newJSONArray(w io.Writer) *jsonArray { return &jsonArray{bw: bufio.NewWriterSize(w, 64<<10)} }

func (a *jsonArray) add(v any) error {
	b, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	if a.n == 0 {
		a.bw.WriteString("[\n  ")
	} else {
		a.bw.WriteString(",\n  ")
	}
	a.n++
	_, err = a.bw.Write(b)
	return err
}

func (a *jsonArray) close() error {
	if a.n == 0 {
		a.bw.WriteString("[]\n")
	} else {
		a.bw.WriteString("\n]\n")
	}
	return a.bw.Flush()
}

// instanceForJSON fills the lists the contract never prints as null.
func instanceForJSON(in bosh.Instance) bosh.Instance {
	in.IPs = nonNil(in.IPs)
	if in.Processes == nil {
		in.Processes = []bosh.Process{}
	}
	return in
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
