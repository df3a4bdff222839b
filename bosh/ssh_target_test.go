package bosh

import "testing"

func TestParseSSHTargetTakesThePKSAlias(t *testing.T) {
	const control = "pivotal-container-service-5fc51dd985313dad5d2b"
	for _, c := range []struct{ dep, arg, group, id string }{
		{control, "pks/0", "pivotal-container-service", "0"},
		{control, "pks", "pivotal-container-service", ""},
		{control, "pks-db/0", "pks-db", "0"},
		{"service-instance_abc", "pks/0", "pks", "0"}, // only the control plane has the alias
	} {
		got, err := ParseSSHTarget(c.dep, c.arg)
		if err != nil || got.Group != c.group || got.IndexOrID != c.id {
			t.Errorf("%s %s: %+v %v, want %s/%s", c.dep, c.arg, got, err, c.group, c.id)
		}
	}
}
