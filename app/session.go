// Package app holds bosun's use cases, one owner each, between the command
// line and the TUI on one side and the data packages (bosh, pks, cache) on
// the other: the Session (the director, the PKS API, the cache and the
// local user), the listings (cache first, then live, then written back, in
// one place) and the gate every action that changes something goes through
// (gate.go). It never prints.
package app

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"sync"
	"sync/atomic"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// Config says what a Session works with. Resolving the environment from
// flags, variables and ~/.bosh/config is the caller's (bosh.ResolveTarget,
// pks.ResolveTarget); so is starting a simulated foundation for --demo.
type Config struct {
	Target   bosh.Target // the director
	EnvName  string      // as the user named it: alias or URL
	CacheKey string      // how the cache knows the director before asking it; default Target.URL
	PKS      pks.Target  // the PKS API
	PKSErr   error       // why the PKS settings did not resolve, if they did not
	Offline  bool        // cache only: no director, no PKS API, no SSH
	ReadOnly bool        // refuse every action that changes something (gate.go)
	MaxTasks int         // director tasks in flight at once
	// CachePath is the cache file; "" is cache.DefaultPath(). NoCache
	// works without one.
	CachePath string
	NoCache   bool
	// Warn hears what went wrong on the side without stopping the work,
	// such as a cache write that failed; nil drops it.
	Warn func(msg string)
}

// Session is what one bosun invocation works with: the director target,
// its client (nil when offline), the cache (nil when it could not be
// opened, CacheErr says why), the PKS API and the local user.
type Session struct {
	Target   bosh.Target
	EnvName  string
	Client   *bosh.Client
	Store    *cache.Store
	CacheErr error
	User     string // the local user, recorded with every action

	cfg Config

	mu          sync.Mutex
	info        bosh.Info   // the director's last answer to /info, or the cached one
	damagedSaid atomic.Bool // the damaged cache was reported once

	pksOnce   sync.Once
	pksClient *pks.Client
	pksErr    error
}

// Open makes a Session. It never contacts the director.
func Open(cfg Config) *Session {
	if cfg.CacheKey == "" {
		cfg.CacheKey = cfg.Target.URL
	}
	if cfg.EnvName == "" {
		cfg.EnvName = cfg.Target.URL
	}
	s := &Session{Target: cfg.Target, EnvName: cfg.EnvName, cfg: cfg, User: localUser(), pksErr: cfg.PKSErr}
	if !cfg.NoCache {
		s.Store, s.CacheErr = OpenCache(cfg.CachePath)
	} else {
		s.CacheErr = errors.New("no cache")
	}
	if s.Store != nil {
		if info, _, err := s.Store.DirectorFor(cfg.CacheKey); err == nil {
			s.info = info
		}
	}
	if !cfg.Offline {
		// The remembered auth type and UAA URL spare a request (bosh.Options.Known).
		s.Client = bosh.New(cfg.Target, bosh.Options{MaxTasks: cfg.MaxTasks, Known: s.info})
	}
	return s
}

// OpenCache opens the cache file at path, or at cache.DefaultPath() for "".
func OpenCache(path string) (*cache.Store, error) {
	if path == "" {
		p, err := cache.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return cache.Open(path)
}

func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// SetWarn replaces the warner (the TUI owns the terminal: it drops them,
// and shows failed listing writes itself).
func (s *Session) SetWarn(warn func(string)) { s.cfg.Warn = warn }

// Offline reports whether the session works from the cache only.
func (s *Session) Offline() bool { return s.cfg.Offline }

// ReadOnly reports whether actions are refused.
func (s *Session) ReadOnly() bool { return s.cfg.ReadOnly }

// CacheKey is how the cache knows the director before it has been asked.
func (s *Session) CacheKey() string { return s.cfg.CacheKey }

// Close closes the cache.
func (s *Session) Close() {
	if s.Store != nil {
		s.Store.Close()
	}
}

// Known is the director's last known identity: from this run's /info, or
// the cache; zero when neither has it.
func (s *Session) Known() bosh.Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

// DirectorInfo asks the director who it is and remembers the answer in the
// cache, or, offline, recalls the last answer from the cache.
func (s *Session) DirectorInfo(ctx context.Context, offline bool) (bosh.Info, time.Time, error) {
	if offline || s.Client == nil {
		if s.Store == nil {
			return bosh.Info{}, time.Time{}, fmt.Errorf("--offline needs the cache: %w", s.CacheErr)
		}
		info, at, err := s.Store.DirectorFor(s.cfg.CacheKey)
		if errors.Is(err, cache.ErrNotCached) {
			return info, at, fmt.Errorf("nothing cached for %s yet: run once without --offline", s.EnvName)
		}
		return info, at, err
	}
	info, err := s.Client.Identity(ctx)
	if err != nil {
		return info, time.Time{}, err
	}
	s.remember(info, time.Now())
	return s.Known(), time.Now(), nil
}

// remember keeps the director's answer for this run and in the cache. An
// answer without the user (the anonymous /info) keeps the user last known
// for the same director.
func (s *Session) remember(info bosh.Info, at time.Time) {
	s.mu.Lock()
	if info.User == "" && info.UUID == s.info.UUID {
		info.User = s.info.User
	}
	s.info = info
	s.mu.Unlock()
	if s.Store != nil {
		s.noteWrite("director", s.Store.RememberDirector(s.cfg.CacheKey, info, at))
	}
}

// noteWrite tells the warner about a cache write that failed: a damaged
// cache once, any other failure each time.
func (s *Session) noteWrite(what string, err error) {
	if err = s.cacheWriteError(what, err); err != nil && s.cfg.Warn != nil {
		s.cfg.Warn(err.Error())
	}
}

// cacheWriteError is what to say about a failed cache write, nil when it
// did not fail or its kind was said already.
func (s *Session) cacheWriteError(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cache.ErrDamaged):
		// Said once: every later write is refused the same way, and the
		// file is left as it was found.
		if s.damagedSaid.CompareAndSwap(false, true) {
			return fmt.Errorf("the cache is damaged; bosun works without it and leaves the file untouched: %w", err)
		}
		return nil
	}
	return fmt.Errorf("cache not updated (%s): %w", what, err)
}

// PKSTarget is the PKS API's settings, and why they did not resolve.
func (s *Session) PKSTarget() (pks.Target, error) { return s.cfg.PKS, s.cfg.PKSErr }

// PKSClient is the PKS API client, made on first use, or why there is
// none: settings that do not resolve, or no PKS API configured at all.
func (s *Session) PKSClient() (*pks.Client, error) {
	if s.cfg.PKSErr != nil {
		return nil, s.cfg.PKSErr
	}
	s.pksOnce.Do(func() {
		s.pksClient, s.pksErr = pks.New(s.cfg.PKS, pks.Options{})
	})
	return s.pksClient, s.pksErr
}
