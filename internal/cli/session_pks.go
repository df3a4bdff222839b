package cli

import (
	"os"
	"sync"

	"github.com/spf13/pflag"

	"bosun/pks"
)

// pksState is the session's PKS API: where it is (resolved once, from the
// flags, PKS_* variables or the pks/tkgi CLI's saved session; or the
// in-process simulation with --demo) and a client made on first use.
type pksState struct {
	target pks.Target
	err    error // resolving the settings failed

	once   sync.Once
	client *pks.Client
}

func addPKSFlags(f *pflag.FlagSet, g *globals) {
	f.StringVar(&g.pks.API, "pks-api", "", "PKS/TKGI API URL or host, port 9021 by default (env PKS_API)")
	f.StringVar(&g.pks.UAA, "pks-uaa", "", "PKS UAA URL, default the API host on port 8443 (env PKS_UAA_URL)")
	f.StringVar(&g.pks.User, "pks-user", "", "PKS user for the pks_cli password grant (env PKS_USER)")
	f.StringVar(&g.pks.Password, "pks-password", "", "PKS user's password (env PKS_PASSWORD)")
	f.StringVar(&g.pks.CACert, "pks-ca-cert", "", "PKS API CA certificate: path or PEM text (env PKS_CA_CERT)")
}

// resolvePKS works out the PKS settings; it never contacts the API. A
// failure is kept for the commands that need PKS, so the director's
// commands work without it.
func (s *session) resolvePKS(g *globals) {
	if s.demo != nil {
		user, pass := s.demo.PKSUser()
		s.pks.target = pks.Target{API: s.demo.PKSURL(), UAA: s.demo.PKSUAAURL(), User: user, Password: pass, CACert: s.demo.CACertPEM()}
		return
	}
	home, _ := os.UserHomeDir()
	s.pks.target, s.pks.err = pks.ResolveTarget(g.pks, os.Getenv, home)
}

// pksClient is the PKS API client, or why there is none: settings that
// do not resolve, or no PKS API configured at all.
func (s *session) pksClient() (*pks.Client, error) {
	if s.pks.err != nil {
		return nil, s.pks.err
	}
	s.pks.once.Do(func() {
		s.pks.client, s.pks.err = pks.New(s.pks.target, pks.Options{})
	})
	return s.pks.client, s.pks.err
}
