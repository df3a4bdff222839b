package app

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"bosun/bosh"
	"bosun/cache"
)

func testSession(t *testing.T, cfg Config) *Session {
	t.Helper()
	cfg.Target = bosh.Target{URL: "https://127.0.0.1:1", Client: "admin", ClientSecret: "not-a-real-secret"}
	cfg.EnvName, cfg.CachePath = "test", filepath.Join(t.TempDir(), "bosun.db")
	s := Open(cfg)
	if s.Store == nil {
		t.Fatalf("cache: %v", s.CacheErr)
	}
	t.Cleanup(s.Close)
	return s
}

func history(t *testing.T, s *Session) []cache.Action {
	t.Helper()
	acts, err := s.History(context.Background(), cache.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return acts
}

var plan = Plan{Kind: Change, Action: "restart", Deployment: "cf", Targets: []string{"router/0", "router/1"},
	Command: "bosh -d cf restart router"}

func TestGateRefusesAndRecordsUnderReadOnlyAndOffline(t *testing.T) {
	for _, cfg := range []Config{{ReadOnly: true}, {Offline: true}} {
		s := testSession(t, cfg)
		for _, k := range []Kind{Change, Shell, Read} {
			p := plan
			p.Kind = k
			applied := false
			_, err := s.Apply(context.Background(), p, Yes, func(context.Context, *Progress) (Result, error) {
				applied = true
				return Result{}, nil
			})
			var refused *RefusedError
			if !errors.As(err, &refused) || applied {
				t.Fatalf("%+v kind %d: err %v, applied %v", cfg, k, err, applied)
			}
		}
		acts := history(t, s)
		if len(acts) != 3 {
			t.Fatalf("%+v: %d records, want 3 refusals", cfg, len(acts))
		}
		for _, a := range acts {
			if a.Outcome != cache.OutcomeRefused || a.Command != plan.Command || len(a.Targets) != 2 ||
				a.Targets[0].Outcome != cache.OutcomeRefused || a.Detail == "" {
				t.Errorf("%+v: refusal recorded as %+v", cfg, a)
			}
		}
	}
}

func TestGateConfirmation(t *testing.T) {
	s := testSession(t, Config{})
	ran := false
	apply := func(context.Context, *Progress) (Result, error) { ran = true; return Result{}, nil }
	if _, err := s.Apply(context.Background(), plan, func(Plan) (bool, error) { return false, nil }, apply); !errors.Is(err, ErrNotConfirmed) || ran {
		t.Fatalf("declined: %v, ran %v", err, ran)
	}
	var refused *RefusedError
	if _, err := s.Apply(context.Background(), plan, func(Plan) (bool, error) { return false, errors.New("no terminal: --yes needed") }, apply); !errors.As(err, &refused) || ran {
		t.Fatalf("no terminal: %v, ran %v", err, ran)
	}
	// A read needs no confirmation and is not recorded when it runs.
	read := plan
	read.Kind = Read
	if _, err := s.Apply(context.Background(), read, nil, apply); err != nil || !ran {
		t.Fatalf("read: %v, ran %v", err, ran)
	}
	acts := history(t, s)
	if len(acts) != 2 || acts[0].Outcome != cache.OutcomeRefused || acts[1].Outcome != cache.OutcomeCancelled {
		t.Fatalf("history %+v", acts)
	}
}

// The record exists before the first step and follows each one, so a
// process killed halfway leaves what it did; the end says the outcome.
func TestGateRecordsEachStepAndTheOutcome(t *testing.T) {
	s := testSession(t, Config{})
	res, err := s.Apply(context.Background(), plan, Yes, func(_ context.Context, pr *Progress) (Result, error) {
		mid := history(t, s)
		if len(mid) != 1 || mid[0].Finished || mid[0].Outcome != cache.OutcomeInterrupted {
			t.Fatalf("before the first step: %+v", mid)
		}
		pr.Task(2051)
		pr.Target("router/0", cache.OutcomeApplied)
		mid = history(t, s)
		if mid[0].Targets[0].Outcome != cache.OutcomeApplied || len(mid[0].TaskIDs) != 1 || mid[0].TaskIDs[0] != 2051 || mid[0].Finished {
			t.Fatalf("after the first step: %+v", mid[0])
		}
		pr.Target("router/1", cache.OutcomeUnchanged)
		return Result{}, nil
	})
	if err != nil || res.Outcome != cache.OutcomeApplied {
		t.Fatalf("%v %+v", err, res)
	}
	a := history(t, s)[0]
	if !a.Finished || a.Outcome != cache.OutcomeApplied || a.Targets[1].Outcome != cache.OutcomeUnchanged || a.User == "" || a.Director != "test" {
		t.Fatalf("final record %+v", a)
	}
}

func TestGateOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		targets []cache.Outcome
		err     error
		cancel  bool
		want    cache.Outcome
	}{
		{"all unchanged", []cache.Outcome{cache.OutcomeUnchanged, cache.OutcomeUnchanged}, nil, false, cache.OutcomeUnchanged},
		{"one rolled back", []cache.Outcome{cache.OutcomeApplied, cache.OutcomeRolledBack}, errors.New("unhealthy"), false, cache.OutcomeRolledBack},
		{"failed", []cache.Outcome{cache.OutcomeFailed, ""}, errors.New("boom"), false, cache.OutcomeFailed},
		{"interrupted", []cache.Outcome{cache.OutcomeApplied, ""}, context.Canceled, true, cache.OutcomeInterrupted},
	}
	for _, c := range cases {
		s := testSession(t, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.Apply(ctx, plan, Yes, func(ctx context.Context, pr *Progress) (Result, error) {
			for i, o := range c.targets {
				if o != "" {
					pr.Target(plan.Targets[i], o)
				}
			}
			if c.cancel {
				cancel()
			}
			return Result{}, c.err
		})
		cancel()
		if !errors.Is(err, c.err) {
			t.Errorf("%s: err %v", c.name, err)
		}
		a := history(t, s)[0]
		if a.Outcome != c.want || !a.Finished {
			t.Errorf("%s: recorded %s (finished %v), want %s", c.name, a.Outcome, a.Finished, c.want)
		}
		if c.cancel && (a.Targets[1].Outcome != "" || a.Detail == "") {
			t.Errorf("%s: the unreached target or the detail: %+v", c.name, a)
		}
	}
}
