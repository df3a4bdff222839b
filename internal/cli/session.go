package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"bosun/app"
	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
	"bosun/sim"
)

// session is the app.Session of one invocation and, for --demo, the
// in-process simulated foundation it runs against.
type session struct {
	*app.Session
	demo    *sim.Foundation
	demoDir string // --demo's own cache and bundles, removed at the end
}

// errOfflinePKS is why an offline session has no PKS API.
var errOfflinePKS = errors.New("--offline: the PKS API is not asked")

// openSession resolves the environment (flags, then BOSH_* and PKS_*
// variables, then the bosh and pks CLIs' saved configuration) or starts the
// demo foundation, and opens the app session. It never contacts the director.
func openSession(g *globals) (*session, error) {
	cfg := app.Config{Offline: g.offline, ReadOnly: g.readOnly, MaxTasks: g.maxTasks,
		Warn: func(msg string) { fmt.Fprintln(os.Stderr, "bosun: warning: "+oneLine(msg)) }}
	s := &session{}
	if g.demo {
		if term.IsTerminal(int(os.Stderr.Fd())) {
			fmt.Fprintln(os.Stderr, "bosun: starting the simulated foundation…")
		}
		f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", Seed: 1, Drift: true})
		if err != nil {
			return nil, fmt.Errorf("start simulated foundation: %w", err)
		}
		s.demo = f
		// The demo's cache, history and log bundles live in a directory
		// of their own, never among the user's real ones: everything
		// that places files under the cache directory follows it.
		dir, err := os.MkdirTemp("", "bosun-demo-")
		if err != nil {
			f.Close()
			return nil, err
		}
		s.demoDir = dir
		os.Setenv("XDG_CACHE_HOME", dir)
		cfg.Target = bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()}
		cfg.EnvName, cfg.CacheKey = "demo", "demo"
		user, pass := f.PKSUser()
		cfg.PKS = pks.Target{API: f.PKSURL(), UAA: f.PKSUAAURL(), User: user, Password: pass, CACert: f.CACertPEM()}
	} else {
		home, _ := os.UserHomeDir()
		// Offline, only where the director is matters (it keys the cache):
		// no CA is read, no secret or token is kept, no PKS API resolved.
		resolve := bosh.ResolveTarget
		if g.offline {
			resolve = bosh.ResolveOfflineTarget
		}
		t, err := resolve(bosh.Overrides{
			Environment: g.environment, Client: g.client, ClientSecret: g.clientSecret, CACert: g.caCert,
		}, os.Getenv, home)
		if err != nil {
			return nil, err
		}
		cfg.Target, cfg.EnvName = t, t.URL
		if t.Alias != "" {
			cfg.EnvName = t.Alias
		}
		if g.offline {
			cfg.PKSErr = errOfflinePKS
		} else {
			cfg.PKS, cfg.PKSErr = pks.ResolveTarget(g.pks, os.Getenv, home)
		}
	}
	s.Session = app.Open(cfg)
	return s, nil
}

func (s *session) close() {
	s.Close()
	if s.demo != nil {
		s.demo.Close()
	}
	if s.demoDir != "" {
		os.RemoveAll(s.demoDir)
	}
}

// warnCache tells the user once, on stderr, that the cache could not be
// used, and why; live commands go on without it.
func (s *session) warnCache(w io.Writer) {
	if s.CacheErr != nil {
		fmt.Fprintln(w, "bosun: warning: cache unavailable: "+oneLine(s.CacheErr.Error()))
	}
}

// noteAge tells the user, on stderr, how old offline data is.
func noteAge(w io.Writer, what string, at time.Time) {
	fmt.Fprintf(w, "bosun: %s from cache, fetched %s ago (%s)\n", what, cache.Age(at, time.Now()), at.Local().Format("2006-01-02 15:04:05"))
}

// openGated opens the session for an action and refuses (exit 2, recorded
// in the history) what --read-only or --offline forbid, before anything is
// asked of the director. A refusal stands even when no environment
// resolves, though it cannot then be recorded.
func openGated(g *globals, p app.Plan) (*session, error) {
	s, err := openSession(g)
	if err != nil {
		if why := app.Refusal(g.readOnly, g.offline, p.Kind, p.Action); why != "" {
			return nil, exitError{2, why}
		}
		return nil, err
	}
	if err := s.Check(p); err != nil {
		s.close()
		return nil, exitError{2, err.Error()}
	}
	return s, nil
}
