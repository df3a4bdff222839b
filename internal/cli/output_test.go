package cli

import (
	"bytes"
	"encoding/json"
	"testing"

	"bosun/bosh"
)

func TestWriteJSONInstancesIsAValidArrayWithoutNulls(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		insts := make([]bosh.Instance, n)
		for i := range insts {
			insts[i] = bosh.Instance{Deployment: "d", Name: "g/x", Index: i}
		}
		var buf bytes.Buffer
		if err := writeJSON(&buf, insts); err != nil {
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
			if _, ok := in["vitals"]; !ok {
				t.Errorf("vitals key missing: %v", in)
			}
		}
	}
}

func TestWriteJSONDeploymentsNeverNull(t *testing.T) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, []bosh.Deployment(nil)); err != nil {
		t.Fatal(err)
	}
	if got := bytes.TrimSpace(buf.Bytes()); string(got) != "[]" {
		t.Errorf("no deployments printed %q, want []", got)
	}
	buf.Reset()
	writeJSON(&buf, []bosh.Deployment{{Name: "x"}})
	var got []map[string]any
	json.Unmarshal(buf.Bytes(), &got)
	for _, k := range []string{"releases", "stemcells", "teams"} {
		if v, ok := got[0][k].([]any); !ok || v == nil {
			t.Errorf("%s = %v, want []", k, got[0][k])
		}
	}
}
