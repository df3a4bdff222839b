package cache

import (
	"strings"
	"testing"
	"time"
)

func TestCCKHistoryRoundTripNewestFirst(t *testing.T) {
	s := openTemp(t)
	uuid := fakeUUID("dir", 1)
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	recs := []CCKRecord{
		{Deployment: "pks", Kind: CCKScan, At: t0, User: "admin", TaskID: 10, Outcome: CCKProblems, Problems: 3,
			Actions: []CCKAction{{ProblemID: 1, Type: "missing_vm", Instance: "worker/a"}}},
		{Deployment: "pks", Kind: CCKResolve, At: t0.Add(time.Minute), User: "admin", TaskID: 11, Outcome: CCKPartial,
			Problems: 3, Resolved: 2, Error: "Error resolving problem '3': Disk is not mounted",
			Actions: []CCKAction{{ProblemID: 3, Type: "inactive_disk", Resolution: "activate_disk", Result: "failed: Disk is not mounted"}}},
		{Deployment: "pks", Kind: CCKScan, At: t0.Add(2 * time.Minute), User: "admin", TaskID: 12, Outcome: CCKProblems, Problems: 1},
		{Deployment: "other", Kind: CCKScan, At: t0, User: "ops", Outcome: CCKClean},
	}
	for _, r := range recs {
		if err := s.RecordCCK(uuid, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.CCKHistory(uuid, "pks", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].TaskID != 12 || got[1].TaskID != 11 || got[2].TaskID != 10 {
		t.Fatalf("history %+v", got)
	}
	r := got[1]
	if r.Kind != CCKResolve || r.Resolved != 2 || r.User != "admin" || !r.At.Equal(t0.Add(time.Minute)) ||
		len(r.Actions) != 1 || r.Actions[0].Result != "failed: Disk is not mounted" || r.Error == "" {
		t.Errorf("resolve record %+v", r)
	}
	if got[0].Actions != nil {
		t.Errorf("empty actions read back as %v", got[0].Actions)
	}
	if one, _ := s.CCKHistory(uuid, "pks", 1); len(one) != 1 || one[0].TaskID != 12 {
		t.Errorf("limit 1: %+v", one)
	}
	if none, err := s.CCKHistory(fakeUUID("dir", 2), "pks", 0); err != nil || len(none) != 0 {
		t.Errorf("another director's history: %+v %v", none, err)
	}
}

func TestLastCCKScansSkipsFailedScans(t *testing.T) {
	s := openTemp(t)
	uuid := fakeUUID("dir", 1)
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, r := range []CCKRecord{
		{Deployment: "a", Kind: CCKScan, At: t0, User: "u", Outcome: CCKProblems, Problems: 2},
		{Deployment: "a", Kind: CCKScan, At: t0.Add(time.Minute), User: "u", Outcome: CCKFailed, Error: "locked"},
		{Deployment: "b", Kind: CCKScan, At: t0, User: "u", Outcome: CCKProblems, Problems: 4},
		{Deployment: "b", Kind: CCKScan, At: t0.Add(time.Minute), User: "u", Outcome: CCKClean},
		{Deployment: "c", Kind: CCKResolve, At: t0, User: "u", Outcome: CCKResolved, Problems: 1, Resolved: 1},
	} {
		if err := s.RecordCCK(uuid, r); err != nil {
			t.Fatal(err)
		}
	}
	last, err := s.LastCCKScans(uuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 2 || last["a"].Problems != 2 || last["b"].Outcome != CCKClean {
		t.Errorf("last scans %+v", last)
	}
}

func TestRecordCCKRefusesBadRecords(t *testing.T) {
	s := openTemp(t)
	ok := CCKRecord{Deployment: "d", Kind: CCKScan, At: time.Now(), User: "u", Outcome: CCKClean}
	cases := []struct {
		name string
		uuid string
		edit func(*CCKRecord)
		want string
	}{
		{"no uuid", "", func(*CCKRecord) {}, "empty director uuid"},
		{"no deployment", "u", func(r *CCKRecord) { r.Deployment = "" }, "empty deployment"},
		{"bad kind", "u", func(r *CCKRecord) { r.Kind = "deploy" }, `kind "deploy"`},
		{"no outcome", "u", func(r *CCKRecord) { r.Outcome = "" }, "empty outcome"},
		{"zero time", "u", func(r *CCKRecord) { r.At = time.Time{} }, "not a real time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok
			c.edit(&r)
			err := s.RecordCCK(c.uuid, r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	if h, _ := s.CCKHistory("u", "d", 0); len(h) != 0 {
		t.Errorf("refused records were stored: %+v", h)
	}
}

func TestCCKRecordSummary(t *testing.T) {
	cases := []struct {
		r    CCKRecord
		want string
	}{
		{CCKRecord{Kind: CCKScan, Outcome: CCKClean}, "scan: no problems"},
		{CCKRecord{Kind: CCKScan, Outcome: CCKProblems, Problems: 1}, "scan: 1 problem"},
		{CCKRecord{Kind: CCKScan, Outcome: CCKProblems, Problems: 3}, "scan: 3 problems"},
		{CCKRecord{Kind: CCKScan, Outcome: CCKFailed, Error: "locked\nmore"}, "scan failed: locked"},
		{CCKRecord{Kind: CCKResolve, Outcome: CCKResolved, Resolved: 2, User: "admin"}, "resolved 2 by admin"},
		{CCKRecord{Kind: CCKResolve, Outcome: CCKPartial, Resolved: 1, Problems: 3, User: "admin"}, "resolved 1 of 3 by admin"},
		{CCKRecord{Kind: CCKResolve, Outcome: CCKFailed, User: "admin", Error: "HTTP 500"}, "resolution by admin failed: HTTP 500"},
	}
	for _, c := range cases {
		if got := c.r.Summary(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}
