package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"bosun/bosh"
)

// writeJSON prints v as indented JSON. Listings go through
// writeDeploymentsJSON and writeInstancesJSON (output_listing.go).
func writeJSON(w io.Writer, v any) error {
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

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeDeploymentsTable(w io.Writer, deps []bosh.Deployment, o tableOpts) error {
	t := newTable(o, "NAME", "RELEASES", "STEMCELLS", "TEAMS")
	for _, d := range deps {
		t.row(d.Name, strings.Join(d.Releases, ","), strings.Join(d.Stemcells, ","), dash(strings.Join(d.Teams, ",")))
	}
	if err := t.flush(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d deployments\n", len(deps))
	return err
}

func writeInstancesTable(w io.Writer, insts []bosh.Instance, withDeployment bool, o tableOpts) error {
	head := []string{"INSTANCE", "PROCESS STATE", "AZ", "IPS", "VM CID", "VM TYPE", "LOAD", "CPU", "MEM", "DISK SYS/EPH/PERS"}
	if withDeployment {
		head = append([]string{"DEPLOYMENT"}, head...)
	}
	t := newTable(o, head...)
	for _, in := range insts {
		name := in.Name
		if in.Bootstrap {
			name += "*"
		}
		cells := []string{name, dash(in.ProcessState), dash(in.AZ), dash(strings.Join(in.IPs, ",")), dash(in.VMCID), dash(in.VMType)}
		cells = append(cells, strings.Split(vitalsColumns(in.Vitals), "\t")...)
		if withDeployment {
			cells = append([]string{in.Deployment}, cells...)
		}
		t.row(cells...)
	}
	if err := t.flush(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d instances\n", len(insts))
	return err
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
