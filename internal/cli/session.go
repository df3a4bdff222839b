package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/sim"
)

// session is what one bosun invocation works with: the director target, a
// lazily connecting client (nil when offline), the cache and, for --demo,
// the in-process simulated foundation.
type session struct {
	target   bosh.Target
	envName  string // as the user named it: alias or URL
	client   *bosh.Client
	store    *cache.Store
	cacheErr error
	demo     *sim.Foundation
	pks      pksState // the PKS API settings (session_pks.go)
}

// openSession resolves the environment, opens the cache and, unless
// offline, prepares the director client. It never contacts the director.
func openSession(g *globals) (*session, error) {
	s := &session{}
	if g.demo {
		f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", Seed: 1, Drift: true})
		if err != nil {
			return nil, fmt.Errorf("start simulated foundation: %w", err)
		}
		s.demo = f
		s.target = bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()}
		s.envName = "demo"
	} else {
		home, _ := os.UserHomeDir()
		t, err := bosh.ResolveTarget(bosh.Overrides{
			Environment: g.environment, Client: g.client, ClientSecret: g.clientSecret, CACert: g.caCert,
		}, os.Getenv, home)
		if err != nil {
			return nil, err
		}
		s.target = t
		s.envName = t.URL
		if t.Alias != "" {
			s.envName = t.Alias
		}
	}
	s.resolvePKS(g)
	s.store, s.cacheErr = openCache()
	if !g.offline {
		s.client = bosh.New(s.target, bosh.Options{MaxTasks: g.maxTasks})
	}
	return s, nil
}

func openCache() (*cache.Store, error) {
	path, err := cache.DefaultPath()
	if err != nil {
		return nil, err
	}
	return cache.Open(path)
}

// cacheKey is how the cache knows a director before it has been asked:
// by the URL bosun was pointed at.
func (s *session) cacheKey() string {
	if s.demo != nil {
		return "demo"
	}
	return s.target.URL
}

func (s *session) close() {
	if s.store != nil {
		s.store.Close()
	}
	if s.demo != nil {
		s.demo.Close()
	}
}

// directorInfo asks the director who it is and remembers the answer, or,
// offline, recalls the last answer from the cache.
func (s *session) directorInfo(ctx context.Context, offline bool) (bosh.Info, time.Time, error) {
	if offline {
		if s.store == nil {
			return bosh.Info{}, time.Time{}, fmt.Errorf("--offline needs the cache: %w", s.cacheErr)
		}
		info, at, err := s.store.DirectorFor(s.cacheKey())
		if errors.Is(err, cache.ErrNotCached) {
			return info, at, fmt.Errorf("nothing cached for %s yet: run once without --offline", s.envName)
		}
		return info, at, err
	}
	info, err := s.client.Info(ctx)
	if err != nil {
		return info, time.Time{}, err
	}
	now := time.Now()
	if s.store != nil {
		s.store.RememberDirector(s.cacheKey(), info, now)
	}
	return info, now, nil
}

// warnCache tells the user once, on stderr, that the cache could not be
// used, and why; live commands go on without it.
func (s *session) warnCache(w io.Writer) {
	if s.cacheErr != nil {
		fmt.Fprintln(w, "bosun: warning: cache unavailable: "+oneLine(s.cacheErr.Error()))
	}
}

// noteAge tells the user, on stderr, how old offline data is.
func noteAge(w io.Writer, what string, at time.Time) {
	fmt.Fprintf(w, "bosun: %s from cache, fetched %s ago (%s)\n", what, cache.Age(at, time.Now()), at.Local().Format("2006-01-02 15:04:05"))
}
