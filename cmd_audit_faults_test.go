package main

import (
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"bosun/sim"
)

// The fault matrix of an audit roll: SIGINT, SIGHUP or kill -9 at a random
// moment. After each: no master changed without a record (at most the
// one being changed when kill -9 came), no false "reverted", and the
// same command run again completes. BOSUN_FAULT_ROUNDS sets the rounds.
func TestAuditRollInterruptedAtRandomMoments(t *testing.T) {
	rounds := 6
	if n, err := strconv.Atoi(os.Getenv("BOSUN_FAULT_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	f := startSim(t, sim.Options{Seed: 1, APIServerStart: 300 * time.Millisecond})
	e := newEnv(t)
	e.pointAt(f)
	dep, _ := threeMasterClusterOff(t, e)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	sigs := []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGKILL}
	unrecorded, falseReverts, failedReruns := 0, 0, 0
	for round := range rounds {
		sig := sigs[round%len(sigs)]
		at := time.Duration(rng.IntN(2500)) * time.Millisecond
		cmd, lines := startAudit(t, e, "audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms")
		go rest(lines)
		// The fault is the point of the test: it lands at a random moment.
		time.AfterFunc(at, func() { cmd.Process.Signal(sig) })
		cmd.Wait()

		st := decode[auditStatusJSON](t, e.run("audit", "status", "-c", dep, "--json"))
		acts := decode[[]historyAction](t, e.run("history", "--json", "-d", dep))
		recorded := map[string]bool{}
		for _, a := range acts {
			if a.Action != "audit enable" {
				continue
			}
			for i, tg := range a.Targets {
				if o := outcomeOf(a, i); o == "applied" || o == "unchanged" {
					recorded[tg.Name] = true
				}
			}
		}
		missing := 0
		for _, m := range st.Masters {
			if m.Enabled && !recorded[m.Instance] {
				missing++
			}
			if m.Reverted {
				falseReverts++
			}
		}
		if sig == syscall.SIGKILL && missing <= 1 {
			missing = 0 // the master being changed when the process died
		}
		unrecorded += missing
		if r := e.run("audit", "enable", "-c", dep, "--yes", "--health-poll", "20ms"); r.code != 0 {
			failedReruns++
			t.Logf("round %d (%s at %s): rerun exit %d: %s", round, sig, at, r.code, r.stderr)
		}
		if r := e.run("audit", "disable", "-c", dep, "--yes", "--health-poll", "20ms"); r.code != 0 {
			t.Fatalf("round %d: reset: exit %d: %s", round, r.code, r.stderr)
		}
	}
	t.Logf("%d interruptions (SIGINT, SIGHUP, kill -9 in turn, at random moments in the first 2.5 s): %d unrecorded changes, %d false reverts, %d reruns that did not complete",
		rounds, unrecorded, falseReverts, failedReruns)
	if unrecorded != 0 || falseReverts != 0 || failedReruns != 0 {
		t.Fatalf("unrecorded %d, false reverts %d, failed reruns %d", unrecorded, falseReverts, failedReruns)
	}
}
