package cache

import (
	"testing"
	"time"
)

func TestAuditHistoryRoundTripAndLast(t *testing.T) {
	s := openTemp(t)
	uuid := fakeUUID("dir", 1)
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	on := map[string]string{"audit-log-path": "/var/vcap/sys/log/kube-apiserver/audit/log/audit.log"}
	recs := []AuditRecord{
		{Deployment: "si_1", Master: "master/a", Action: "enable", At: t0, Who: "ops via admin", FlagsBefore: map[string]string{}, FlagsAfter: on, Outcome: "changed", Backup: "bpm.yml.bosun-backup-1"},
		{Deployment: "si_1", Master: "master/b", Action: "enable", At: t0.Add(time.Second), Who: "ops via admin", FlagsBefore: map[string]string{}, FlagsAfter: map[string]string{}, Outcome: "rolled back", Detail: "not healthy"},
		{Deployment: "si_1", Master: "master/a", Action: "disable", At: t0.Add(time.Minute), Who: "ops via admin", FlagsBefore: on, FlagsAfter: map[string]string{}, Outcome: "changed"},
		{Deployment: "si_2", Master: "master/c", Action: "enable", At: t0, Who: "x", FlagsAfter: on, Outcome: "changed"},
	}
	for _, r := range recs {
		if err := s.RecordAudit(uuid, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AuditHistory(uuid, "si_1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Action != "disable" || got[2].Backup != "bpm.yml.bosun-backup-1" || got[2].FlagsAfter["audit-log-path"] == "" ||
		!got[1].At.Equal(t0.Add(time.Second)) || got[1].Detail != "not healthy" {
		t.Fatalf("history %+v", got)
	}
	last, err := s.LastAudit(uuid, "si_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 2 || last["master/a"].Action != "disable" || len(last["master/a"].FlagsAfter) != 0 || last["master/b"].Outcome != "rolled back" {
		t.Fatalf("last %+v", last)
	}
}

func TestRecordAuditRejectsBadRecords(t *testing.T) {
	s := openTemp(t)
	good := AuditRecord{Deployment: "d", Master: "master/0", Action: "enable", At: time.Now(), Outcome: "changed"}
	bad := map[string]func(r *AuditRecord){
		"no master":  func(r *AuditRecord) { r.Master = "" },
		"action":     func(r *AuditRecord) { r.Action = "toggle" },
		"no outcome": func(r *AuditRecord) { r.Outcome = "" },
		"zero time":  func(r *AuditRecord) { r.At = time.Time{} },
	}
	for name, mod := range bad {
		r := good
		mod(&r)
		if err := s.RecordAudit("uuid", r); err == nil {
			t.Errorf("%s: recorded", name)
		}
	}
	if err := s.RecordAudit("", good); err == nil {
		t.Error("empty uuid recorded")
	}
	if got, _ := s.AuditHistory("uuid", "d", 0); len(got) != 0 {
		t.Fatalf("bad records stored: %+v", got)
	}
}
