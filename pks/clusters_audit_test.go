package pks

import "testing"

func TestAuditState(t *testing.T) {
	on := map[string]string{"audit-log-path": "/var/vcap/sys/log/kube-apiserver/audit.log", "audit-policy-file": "/p.yml"}
	dashed := map[string]string{"--audit-log-path": "/l", "--audit-policy-file": "/p"}
	noPolicy := map[string]string{"audit-log-path": "/l"}
	for _, c := range []struct {
		flags []map[string]string
		want  string
	}{
		{nil, ""},
		{[]map[string]string{on, dashed}, AuditOn},
		{[]map[string]string{{}, noPolicy}, AuditOff},
		{[]map[string]string{on, {}}, AuditMixed},
	} {
		if got := AuditState(c.flags); got != c.want {
			t.Errorf("AuditState(%v) = %q, want %q", c.flags, got, c.want)
		}
	}
}
