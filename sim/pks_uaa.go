package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// The PKS control plane serves two things on its API VM: the PKS API
// (port 9021 on a real foundation) and its own UAA (8443), whose CLI
// client is pks_cli with an empty secret. The simulation listens on two
// loopback ports of their own, with certificates from the director's CA.

const (
	pksCLIClient  = "pks_cli"
	pksAdminUser  = "admin"
	pksReaderUser = "auditor" // pks.clusters.admin.read: reads, no credentials
)

// pksService is the running PKS API and its UAA.
type pksService struct {
	realm          *uaaRealm
	apiLn, uaaLn   net.Listener
	apiSrv, uaaSrv *http.Server
	apiURL         string
	seeds          []*pksClusterSeed
	wg             sync.WaitGroup
}

// startPKS opens the PKS API and UAA listeners and serves them.
func (f *Foundation) startPKS(now time.Time) error {
	switch f.opts.UsageDB {
	case "", "billing", "telemetry", "none":
	default:
		return fmt.Errorf("sim: usage database %q: want billing, telemetry or none", f.opts.UsageDB)
	}
	p := &pksService{seeds: pksClusterSeeds(f.content, f.opts.Seed)}
	host, _, _ := net.SplitHostPort(f.opts.PKSListen)
	var extra []net.IP
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
		extra = append(extra, ip)
	}
	certs, err := f.ca.serverCerts(now, extra, "pks-api", "pks-uaa")
	if err != nil {
		return err
	}
	if p.apiLn, err = net.Listen("tcp", f.opts.PKSListen); err != nil {
		return fmt.Errorf("sim: PKS API listen on %s: %w", f.opts.PKSListen, err)
	}
	if p.uaaLn, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
		p.apiLn.Close()
		return fmt.Errorf("sim: PKS UAA listen: %w", err)
	}
	p.apiURL = "https://" + urlHost(p.apiLn.Addr())
	uaaURL := "https://" + urlHost(p.uaaLn.Addr())
	if p.realm, err = newPKSRealm(f.opts.Seed, uaaURL, f.opts.TokenTTL); err != nil {
		p.apiLn.Close()
		p.uaaLn.Close()
		return err
	}
	p.apiSrv = newServer(certs[0], http.HandlerFunc(f.servePKSAPI))
	p.uaaSrv = newServer(certs[1], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serveRealm(w, r, p.realm) }))
	f.pks = p
	for _, s := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{p.apiSrv, p.apiLn}, {p.uaaSrv, p.uaaLn}} {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			s.srv.ServeTLS(s.ln, "", "")
		}()
	}
	return nil
}

func newPKSRealm(seed int64, uaaURL string, ttl time.Duration) (*uaaRealm, error) {
	tokens, err := newTokenIssuer(uaaURL+"/oauth/token", ttl)
	if err != nil {
		return nil, err
	}
	adminPass, err := randomHex(12)
	if err != nil {
		return nil, err
	}
	readerPass, err := randomHex(12)
	if err != nil {
		return nil, err
	}
	r := newRNG(seed, "pks-uaa-users")
	all := []string{"pks.clusters.admin", "pks.clusters.manage", "pks.clusters.admin.read"}
	return &uaaRealm{
		prefix: "PKS ",
		url:    uaaURL,
		clients: map[string]*uaaClient{
			pksCLIClient: {ID: pksCLIClient, Scopes: all, Grants: []string{"password", "refresh_token"}},
		},
		users: map[string]*uaaUser{
			pksAdminUser: {ID: r.uuid(), Name: pksAdminUser, Email: "admin@pks.example.com", Password: adminPass,
				Scopes: []string{"pks.clusters.admin"}},
			pksReaderUser: {ID: r.uuid(), Name: pksReaderUser, Email: "auditor@pks.example.com", Password: readerPass,
				Scopes: []string{"pks.clusters.admin.read"}},
		},
		tokens: tokens,
	}, nil
}

// close shuts both servers down and waits for them.
func (p *pksService) close(ctx context.Context) error {
	var errs []error
	for _, srv := range []*http.Server{p.apiSrv, p.uaaSrv} {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			srv.Close()
		}
	}
	p.wg.Wait()
	return errors.Join(errs...)
}

// PKSURL is the PKS API base URL, "https://127.0.0.1:PORT" (the API's
// paths are under /v1).
func (f *Foundation) PKSURL() string { return f.pks.apiURL }

// PKSUAAURL is the PKS UAA base URL (token endpoint /oauth/token).
func (f *Foundation) PKSUAAURL() string { return f.pks.realm.url }

// PKSUser is the PKS admin user (scope pks.clusters.admin) for the
// password grant through pks_cli.
func (f *Foundation) PKSUser() (user, pass string) {
	u := f.pks.realm.users[pksAdminUser]
	return u.Name, u.Password
}

// PKSReadUser holds only pks.clusters.admin.read: it may list clusters but
// not fetch their credentials.
func (f *Foundation) PKSReadUser() (user, pass string) {
	u := f.pks.realm.users[pksReaderUser]
	return u.Name, u.Password
}

// ExpirePKSTokens makes every PKS access token issued so far expired;
// refresh tokens stay valid.
func (f *Foundation) ExpirePKSTokens() { f.pks.realm.tokens.expireAll() }

// pksExports are the export lines for bosun's PKS settings.
func (f *Foundation) pksExports(caPath string) [][2]string {
	user, pass := f.PKSUser()
	return [][2]string{
		{"PKS_API", f.PKSURL()},
		{"PKS_UAA_URL", f.PKSUAAURL()},
		{"PKS_CA_CERT", caPath},
		{"PKS_USER", user},
		{"PKS_PASSWORD", pass},
	}
}
