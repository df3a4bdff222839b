package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"bosun/bosh"
)

func TestWriteJSONInstancesIsAValidArrayWithoutNulls(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		insts := make([]bosh.Instance, n)
		for i := range insts {
			insts[i] = bosh.Instance{Deployment: "d", Name: "g/x", Index: i}
		}
		var buf bytes.Buffer
		if err := writeInstancesJSON(&buf, insts, liveAt(time.Now())); err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%d instances: not JSON: %v\n%s", n, err, buf.String())
		}
		if len(got) != n {
			t.Fatalf("%d instances: decoded %d", n, len(got))
		}
		for _, in := range got {
			if in["ips"] == nil || in["processes"] == nil {
				t.Errorf("ips/processes must be [] not null: %v", in)
			}
			for _, k := range []string{"vitals", "vm_created_at", "agent_id", "disk_cids", "source", "fetched_at"} {
				if _, ok := in[k]; !ok {
					t.Errorf("%s key missing: %v", k, in)
				}
			}
			if in["source"] != "live" || in["vm_created_at"] != nil {
				t.Errorf("source %v, vm_created_at %v: want live and null", in["source"], in["vm_created_at"])
			}
		}
	}
}

func TestWriteJSONDeploymentsNeverNull(t *testing.T) {
	var buf bytes.Buffer
	if err := writeDeploymentsJSON(&buf, nil, cachedAt(time.Now())); err != nil {
		t.Fatal(err)
	}
	if got := bytes.TrimSpace(buf.Bytes()); string(got) != "[]" {
		t.Errorf("no deployments printed %q, want []", got)
	}
	buf.Reset()
	writeDeploymentsJSON(&buf, []bosh.Deployment{{Name: "x"}}, cachedAt(time.Now()))
	var got []map[string]any
	json.Unmarshal(buf.Bytes(), &got)
	if got[0]["source"] != "cache" || got[0]["fetched_at"] == nil {
		t.Errorf("source %v fetched_at %v, want cache and a time", got[0]["source"], got[0]["fetched_at"])
	}
	for _, k := range []string{"releases", "stemcells", "teams"} {
		if v, ok := got[0][k].([]any); !ok || v == nil {
			t.Errorf("%s = %v, want []", k, got[0][k])
		}
	}
}

func TestTableCutsToWidthUnlessWide(t *testing.T) {
	long := strings.Repeat("x", 200)
	rows := func(o tableOpts) []string {
		tb := newTable(o, "NAME", "RELEASES", "TEAMS")
		tb.row("service-instance_0f1e2d3c", long, "-")
		tb.row("a", "b", "c")
		var buf bytes.Buffer
		if err := tb.flush(&buf); err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	}
	for _, line := range rows(tableOpts{width: 80}) {
		if w := lipgloss.Width(line); w > 80 {
			t.Errorf("row is %d columns at width 80: %q", w, line)
		}
	}
	if got := rows(tableOpts{width: 80})[1]; !strings.Contains(got, "…") || !strings.HasPrefix(got, "service-instance_0f1e2d3c") {
		t.Errorf("the long cell is not cut with …, or the short one is: %q", got)
	}
	if got := rows(tableOpts{width: 80, wide: true})[1]; !strings.Contains(got, long) {
		t.Errorf("--wide cut the row: %q", got)
	}
}

func TestOutputWidthOnAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	env := map[string]string{}
	if got := outputWidth(w, func(k string) string { return env[k] }); got != 80 {
		t.Errorf("a pipe without COLUMNS is %d wide, want 80", got)
	}
	env["COLUMNS"] = "132"
	if got := outputWidth(w, func(k string) string { return env[k] }); got != 132 {
		t.Errorf("COLUMNS=132 gives %d", got)
	}
}
