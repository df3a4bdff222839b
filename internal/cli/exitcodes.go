package cli

import (
	"errors"
	"os"
	"time"

	"bosun/app"
	"bosun/bosh"
	"bosun/cache"
)

// Exit codes, one convention for every command (README, "Scripting: exit
// codes and refusals"; DESIGN.md, command line contract).
const (
	exitFound   = 1 // done, and it found something
	exitFailed  = 2 // could not do it
	exitPartial = 3 // partial: what was read is printed
)

// exitCodesHelp is the table `bosun --help` prints.
const exitCodesHelp = `Exit codes (every command):
  0  done; for checks (cck, etcd, audit status): clean
  1  done, and it found something: cloud-check problems remain, an unhealthy
     etcd member, audit drift, a followed task or an action that failed
  2  could not do it: bad input (flags, durations), unknown deployment,
     cluster, instance or task, director or PKS API unreachable, TLS,
     unauthorized, locked, refused (--read-only, --offline, not confirmed)
  3  partial: some deployments or clusters could not be read, or live data
     was asked for and the cache stood in; what was read is printed
  128+N  an action interrupted by signal N (130 for Ctrl-C)
bosun ssh -c exits with the remote command's code.`

// jsonHelp is the JSON contract, for `bosun --help`.
const jsonHelp = `JSON (--json): every key of a shape is always present (null or [] when
unknown); sizes and counts are numbers; each element of a listing carries
"source" ("live" or "cache") and "fetched_at"; a listing stays an array.
Tables are cut to the terminal's width (COLUMNS, 80 on a pipe); --wide
prints every row whole. Durations take days: --since 7d, 1d12h.`

// partial is the exit of a listing printed whole but not complete or not
// live, with the reason on stderr.
func partial(why string) error { return exitError{exitPartial, why} }

// offlineHint is what to add to an unreachable director's error when the
// cache holds data for it: how old it is and the flag that uses it.
func offlineHint(g *globals, err error) string {
	var be *bosh.Error
	if g.offline || g.demo || !errors.As(err, &be) || be.Kind != bosh.KindUnreachable {
		return ""
	}
	home, _ := os.UserHomeDir()
	t, terr := bosh.ResolveTarget(bosh.Overrides{Environment: g.environment, Client: g.client,
		ClientSecret: g.clientSecret, CACert: g.caCert}, os.Getenv, home)
	if terr != nil {
		return ""
	}
	store, serr := app.OpenCache("")
	if serr != nil {
		return ""
	}
	defer store.Close()
	info, _, derr := store.DirectorFor(t.URL)
	if derr != nil {
		return ""
	}
	_, at, derr := store.Deployments(info.UUID)
	if derr != nil {
		return ""
	}
	return "; the cache has its data from " + cache.Age(at, time.Now()) + " ago: add --offline to use it"
}

// actionExit is the code of an action that did not finish: 1 when a
// director task it followed failed, 2 when it could not be done at all
// (locked, unreachable, refused).
func actionExit(err error) int {
	if bosh.KindOf(err) == bosh.KindTaskFailed {
		return exitFound
	}
	return exitFailed
}
