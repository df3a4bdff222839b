package cache

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleAction(at time.Time) Action {
	return Action{
		Time:         at,
		User:         "ops",
		Director:     "pks-director",
		DirectorUUID: testUUID,
		Deployment:   "service-instance_" + fakeUUID("cluster", 1),
		Cluster:      "prod-1",
		Action:       "restart",
		Targets: []ActionTarget{
			{Name: "master/" + fakeUUID("m", 0), Outcome: OutcomeApplied},
			{Name: "master/" + fakeUUID("m", 1), Outcome: OutcomeFailed},
		},
		Outcome:  OutcomeFailed,
		Command:  "bosh -e pks-director -d service-instance_x restart master",
		TaskIDs:  []int64{4242, 1 << 40},
		Detail:   "master/1 did not come back",
		Finished: true,
	}
}

func TestActionRoundTrip(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	local := time.FixedZone("CET", 3600)
	a := sampleAction(baseTime.In(local))
	id, err := s.RecordAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if id <= 0 {
		t.Fatalf("id = %d", id)
	}
	got, err := s.History(ctx, HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("History = %+v", got)
	}
	want := a
	want.ID, want.Time = id, baseTime.UTC()
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("read back %+v\nwant      %+v", got[0], want)
	}
	if got[0].Time.Location() != time.UTC {
		t.Errorf("time read back in %v, want UTC", got[0].Time.Location())
	}
}

func TestActionEmptyListsReadBackEmptyNotNil(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a := Action{Time: baseTime, User: "ops", Director: "lab", Action: "ssh", Outcome: OutcomeApplied, Finished: true}
	if _, err := s.RecordAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.History(ctx, HistoryFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %+v, %v", got, err)
	}
	if got[0].Targets == nil || got[0].TaskIDs == nil || len(got[0].Targets) != 0 || len(got[0].TaskIDs) != 0 {
		t.Errorf("targets %#v, task ids %#v; want empty, non-nil", got[0].Targets, got[0].TaskIDs)
	}
}

func TestRefusedActionIsStored(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a := Action{Time: baseTime, User: "ops", Director: "https://10.0.0.6:25555", Deployment: "cf", Action: "recreate",
		Targets: []ActionTarget{{Name: "router/0", Outcome: OutcomeRefused}}, Outcome: OutcomeRefused,
		Command: "bosh -d cf recreate router/0", Detail: "refused: --read-only", Finished: true}
	if _, err := s.RecordAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.History(ctx, HistoryFilter{Deployment: "cf"})
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %+v, %v", got, err)
	}
	if r := got[0]; r.Outcome != OutcomeRefused || !r.Finished || r.DirectorUUID != "" || r.Detail != "refused: --read-only" ||
		r.Targets[0].Outcome != OutcomeRefused {
		t.Errorf("refused action read back as %+v", r)
	}
}

func TestHistoryNewestFirstAndFilters(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	type rec struct {
		min          int
		dep, cluster string
		dir          string
	}
	recs := []rec{
		{0, "cf", "", testUUID},
		{3, "si_a", "alpha", testUUID},
		{1, "si_b", "beta", testUUID},
		{3, "si_a", "alpha", testUUID}, // same time as the second: id breaks the tie
		{2, "cf", "", "other-director"},
	}
	ids := make([]int64, len(recs))
	for i, r := range recs {
		a := sampleAction(baseTime.Add(time.Duration(r.min) * time.Minute))
		a.Deployment, a.Cluster, a.DirectorUUID = r.dep, r.cluster, r.dir
		a.Detail = "record " + string(rune('0'+i))
		var err error
		if ids[i], err = s.RecordAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	idsOf := func(as []Action) []int64 {
		out := []int64{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    HistoryFilter
		want []int64
	}{
		{"all", HistoryFilter{}, []int64{ids[3], ids[1], ids[4], ids[2], ids[0]}},
		{"deployment", HistoryFilter{Deployment: "cf"}, []int64{ids[4], ids[0]}},
		{"cluster", HistoryFilter{Cluster: "alpha"}, []int64{ids[3], ids[1]}},
		{"since", HistoryFilter{Since: baseTime.Add(2 * time.Minute)}, []int64{ids[3], ids[1], ids[4]}},
		{"limit", HistoryFilter{Limit: 2}, []int64{ids[3], ids[1]}},
		{"director uuid", HistoryFilter{Director: "other-director"}, []int64{ids[4]}},
		{"director name", HistoryFilter{Director: "pks-director", Deployment: "si_b"}, []int64{ids[2]}},
		{"combined", HistoryFilter{Deployment: "cf", Since: baseTime.Add(time.Minute), Limit: 5}, []int64{ids[4]}},
		{"nothing", HistoryFilter{Cluster: "gamma"}, []int64{}},
	} {
		got, err := s.History(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if g := idsOf(got); !reflect.DeepEqual(g, c.want) {
			t.Errorf("%s: ids %v, want %v", c.name, g, c.want)
		}
	}
}

func TestActionUnderWayReadsInterruptedUntilCompleted(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a := sampleAction(baseTime)
	a.Action, a.Outcome, a.Detail, a.Finished = "audit enable", "", "", false
	a.Targets = []ActionTarget{{Name: "master/0"}, {Name: "master/1"}}
	a.TaskIDs = nil
	id, err := s.RecordAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// What a process killed now leaves behind.
	got, err := s.History(ctx, HistoryFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %+v, %v", got, err)
	}
	if r := got[0]; r.Outcome != OutcomeInterrupted || r.Finished || r.Detail != InProgressDetail {
		t.Errorf("action under way read back as %s, finished %v, detail %q", r.Outcome, r.Finished, r.Detail)
	}

	// Progress, then the end.
	a.Targets[0].Outcome = OutcomeApplied
	a.TaskIDs = []int64{7}
	if err := s.UpdateAction(ctx, id, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.History(ctx, HistoryFilter{}); len(got) != 1 || got[0].Targets[0].Outcome != OutcomeApplied ||
		got[0].Outcome != OutcomeInterrupted || got[0].Finished {
		t.Errorf("after progress: %+v", got)
	}
	a.Targets[1].Outcome = OutcomeRolledBack
	a.Outcome, a.Detail, a.Finished = OutcomeRolledBack, "master/1 unhealthy after restart", true
	if err := s.UpdateAction(ctx, id, a); err != nil {
		t.Fatal(err)
	}
	got, err = s.History(ctx, HistoryFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %+v, %v", got, err)
	}
	want := a
	want.ID, want.Time = id, baseTime.UTC()
	want.TaskIDs = []int64{7}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("completed record %+v\nwant %+v", got[0], want)
	}

	// A complete record is final; an unknown one is reported.
	a.Outcome = OutcomeApplied
	if err := s.UpdateAction(ctx, id, a); !errors.Is(err, ErrActionFinished) {
		t.Errorf("update of a finished record: %v, want ErrActionFinished", err)
	}
	if err := s.UpdateAction(ctx, id+100, a); !errors.Is(err, ErrNoAction) {
		t.Errorf("update of an unknown record: %v, want ErrNoAction", err)
	}
	if got, _ := s.History(ctx, HistoryFilter{}); len(got) != 1 || got[0].Outcome != OutcomeRolledBack {
		t.Errorf("refused updates changed the record: %+v", got)
	}
}

func TestRecordActionRejectsBadRecords(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	bad := map[string]func(a *Action){
		"no action":             func(a *Action) { a.Action = " " },
		"no director":           func(a *Action) { a.Director, a.DirectorUUID = "", "" },
		"unknown outcome":       func(a *Action) { a.Outcome = "done" },
		"empty outcome":         func(a *Action) { a.Outcome = "" },
		"zero time":             func(a *Action) { a.Time = time.Time{} },
		"unnamed target":        func(a *Action) { a.Targets = []ActionTarget{{Outcome: OutcomeApplied}} },
		"bad target outcome":    func(a *Action) { a.Targets = []ActionTarget{{Name: "x", Outcome: "ok"}} },
		"under way but applied": func(a *Action) { a.Finished = false },
	}
	for name, mod := range bad {
		a := sampleAction(baseTime)
		mod(&a)
		if _, err := s.RecordAction(ctx, a); err == nil {
			t.Errorf("%s: recorded", name)
		}
	}
	if got, err := s.History(ctx, HistoryFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("bad records stored: %+v, %v", got, err)
	}
}

func TestActionDetailIsOneLine(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a := sampleAction(baseTime)
	a.Detail = "Error: task 12 failed\n\n  Action Failed get_task: timeout\r\n"
	if _, err := s.RecordAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.History(ctx, HistoryFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %+v, %v", got, err)
	}
	if want := "Error: task 12 failed; Action Failed get_task: timeout"; got[0].Detail != want {
		t.Errorf("detail %q, want %q", got[0].Detail, want)
	}
}

func TestActionCommandAndDetailNeverHoldASecret(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	secrets := []string{"s3cr3t-client", "hunter2-pass", "eyJhbGciOiJSUzI1NiJ9.payload.sig", "env-secret-value", "urlpass"}
	a := sampleAction(baseTime)
	a.Director = "https://admin:urlpass@10.0.0.6:25555"
	a.Command = "BOSH_CLIENT_SECRET=env-secret-value bosh -e 10.0.0.6 --client admin --client-secret s3cr3t-client " +
		"--password='hunter2-pass' -d cf restart router"
	a.Detail = "401 from https://admin:urlpass@uaa.example:8443/oauth/token with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig"
	if _, err := s.RecordAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.History(ctx, HistoryFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %+v, %v", got, err)
	}
	r := got[0]
	for _, sec := range secrets {
		for field, v := range map[string]string{"command": r.Command, "detail": r.Detail, "director": r.Director} {
			if strings.Contains(v, sec) {
				t.Errorf("%s %q holds %q", field, v, sec)
			}
		}
	}
	// What is not secret stays, so the command can still be run.
	for _, keep := range []string{"--client admin", "--client-secret " + redacted, "-d cf restart router", "BOSH_CLIENT_SECRET=" + redacted} {
		if !strings.Contains(r.Command, keep) {
			t.Errorf("command %q lacks %q", r.Command, keep)
		}
	}
	if r.Director != "https://10.0.0.6:25555" {
		t.Errorf("director %q", r.Director)
	}
	assertFileLacks(t, s, secrets...)
}
