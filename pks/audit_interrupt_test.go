package pks_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"bosun/pks"
	"bosun/sim"
)

// Stop finishes the master being changed and stops before the next one:
// one master changed and recorded, the others untouched and not reached.
func TestAuditRollStopsBetweenMasters(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	stop := make(chan struct{})
	o := x.rollO
	var recorded []pks.MasterResult
	o.Record = func(r pks.MasterResult) {
		recorded = append(recorded, r)
		if len(recorded) == 1 {
			close(stop) // the operator asks to stop while master 0 is changed
		}
	}
	o.Stop = stop
	res, err := pks.Roll(context.Background(), x.sess, x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"}), pks.DefaultLayout, o)
	if !errors.Is(err, pks.ErrRollStopped) || !strings.Contains(err.Error(), "after 1 of 3 masters") {
		t.Fatalf("err = %v", err)
	}
	want := []string{pks.OutcomeChanged, pks.OutcomeNotReached, pks.OutcomeNotReached}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Fatalf("master %d: %q, want %q", i, r.Outcome, want[i])
		}
	}
	if len(recorded) != 1 {
		t.Fatalf("recorded %d results, want the one changed master", len(recorded))
	}
	for i := 1; i < 3; i++ {
		if got := x.file(t, x.ids[i], simBPM); !bytes.Equal(got, x.orig[i]) {
			t.Fatalf("master %d changed after the stop", i)
		}
	}
	names, _ := x.f.VMFiles(x.dep, x.ids[0], "/var/vcap/data")
	for _, n := range names {
		if strings.Contains(n, "lock") {
			t.Fatalf("the roll's lock was left behind: %v", names)
		}
	}
}

// Cancelling the context while a master waits for health rolls that
// master back at once and says it was interrupted, with the real elapsed
// time, not that it was unhealthy for the whole health timeout.
func TestAuditRollInterruptedRollsBackWithTrueDetail(t *testing.T) {
	x := newAuditFixture(t, sim.Faults{})
	x.f.SetFaults(sim.Faults{StuckAPIServer: x.ids[1]}) // master 1 never comes back: the roll waits there
	ctx, cancel := context.WithCancel(context.Background())
	o := x.rollO
	o.HealthTimeout = 10 * time.Minute // only the interruption can end the wait
	o.Progress = func(s pks.RollStep) {
		if s.Instance == "master/"+x.ids[1] && s.Step == "waiting for health" {
			cancel()
		}
	}
	var recorded []pks.MasterResult
	o.Record = func(r pks.MasterResult) { recorded = append(recorded, r) }
	res, err := pks.Roll(ctx, x.sess, x.plan(t, pks.AuditChange{Enable: true, KuboVersion: "1.18.2"}), pks.DefaultLayout, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the interruption", err)
	}
	if res[0].Outcome != pks.OutcomeChanged || res[2].Outcome != pks.OutcomeNotReached {
		t.Fatalf("results %+v", res)
	}
	r := res[1]
	if r.Outcome != pks.OutcomeRolledBack || !strings.Contains(r.Detail, "interrupted after") || strings.Contains(r.Detail, "10m") {
		t.Fatalf("master 1: %q %q", r.Outcome, r.Detail)
	}
	if len(recorded) != 2 || recorded[1].Outcome != pks.OutcomeRolledBack {
		t.Fatalf("recorded %+v", recorded)
	}
	if got := x.file(t, x.ids[1], simBPM); !bytes.Equal(got, x.orig[1]) {
		t.Fatal("the interrupted master does not hold its original bpm.yml")
	}
}
