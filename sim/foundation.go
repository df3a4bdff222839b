package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Foundation is a running simulated director and UAA.
type Foundation struct {
	opts    Options
	content *content
	ca      *certAuthority
	tokens  *tokenIssuer
	clients map[string]*uaaClient
	users   map[string]*uaaUser
	routes  *router

	dirLn, uaaLn   net.Listener
	dirSrv, uaaSrv *http.Server
	dirURL, uaaURL string

	// mu guards everything below: tasks, queue, locks, events, faults, stats.
	mu         sync.Mutex
	changed    *sync.Cond // broadcast on every task state change and enqueue
	faults     Faults
	tasks      []*task // id order
	byID       map[int]*task
	queue      []*task
	nextTaskID int
	locks      map[string]*lockRecord
	events     []*event // id order
	nextEvent  int
	stats      statsCounters
	processing int
	closed     bool
	bg         *backgroundDeploy

	cck *cckWorld   // cloud-check record and actual state; its own lock
	pks *pksService // the PKS API and its UAA (sim/pks_uaa.go)
	ssh *sshHub     // VMs' SSH endpoints and the gateway, started by the first SSH setup

	logs *logStore // the blobstore of log bundles (sim/logs_store.go)

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

// Start generates the foundation from opts.Seed, starts the director and
// UAA listeners, the task workers and the background deploy, and returns
// once both servers accept connections.
func Start(opts Options) (*Foundation, error) {
	opts, err := opts.normalized()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	f := &Foundation{
		opts:    opts,
		faults:  opts.Faults,
		byID:    map[int]*task{},
		locks:   map[string]*lockRecord{},
		closing: make(chan struct{}),
		stats:   newStatsCounters(),
	}
	f.changed = sync.NewCond(&f.mu)
	f.content = generateContent(opts.Seed, now.Truncate(time.Second), opts.Deployments, opts.InstancesPerDeployment)
	if f.ca, err = newCertAuthority(now); err != nil {
		return nil, err
	}
	if err := f.setUpCredentials(); err != nil {
		return nil, err
	}
	if err := f.listen(now); err != nil {
		return nil, err
	}
	f.routes = f.directorRoutes()
	f.seedHistory(now)
	f.cck = newCCKWorld(f)
	if opts.Drift {
		f.cck.applyDrift(opts.driftSeed())
	}
	f.serve()
	if err := f.startPKS(now); err != nil {
		f.Close()
		return nil, err
	}
	for i := 0; i < opts.Workers; i++ {
		f.wg.Add(1)
		go f.worker()
	}
	f.startBackgroundDeploy()
	return f, nil
}

// listen opens both listeners and builds the servers; nothing is served yet.
func (f *Foundation) listen(now time.Time) error {
	var extra []net.IP
	for _, addr := range []string{f.opts.Listen, f.opts.UAAListen} {
		host, _, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
			extra = append(extra, ip)
		}
	}
	certs, err := f.ca.serverCerts(now, extra, "director", "uaa")
	if err != nil {
		return err
	}
	f.dirLn, err = net.Listen("tcp", f.opts.Listen)
	if err != nil {
		return fmt.Errorf("sim: director listen on %s: %w", f.opts.Listen, err)
	}
	f.dirURL = "https://" + urlHost(f.dirLn.Addr())
	f.dirSrv = newServer(certs[0], http.HandlerFunc(f.serveDirector))
	if f.opts.Auth != "uaa" {
		return nil
	}
	f.uaaLn, err = net.Listen("tcp", f.opts.UAAListen)
	if err != nil {
		f.dirLn.Close()
		return fmt.Errorf("sim: UAA listen on %s: %w", f.opts.UAAListen, err)
	}
	f.uaaURL = "https://" + urlHost(f.uaaLn.Addr())
	if f.tokens, err = newTokenIssuer(f.uaaURL+"/oauth/token", f.opts.TokenTTL); err != nil {
		f.dirLn.Close()
		f.uaaLn.Close()
		return err
	}
	f.uaaSrv = newServer(certs[1], http.HandlerFunc(f.serveUAA))
	return nil
}

// urlHost renders a listener address for a URL, bracketing IPv6.
func urlHost(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	return net.JoinHostPort(host, port)
}

func (f *Foundation) serve() {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.dirSrv.ServeTLS(f.dirLn, "", "")
	}()
	if f.uaaSrv != nil {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.uaaSrv.ServeTLS(f.uaaLn, "", "")
		}()
	}
}

// Close stops the servers, the workers and the background deploy, and
// waits for all of them. Tasks processing in the worker pool end
// cancelled; queued tasks and the background deploy stay as they were.
func (f *Foundation) Close() error {
	f.closeOnce.Do(func() {
		close(f.closing)
		f.mu.Lock()
		f.closed = true
		f.changed.Broadcast()
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range []*http.Server{f.dirSrv, f.uaaSrv} {
			if srv == nil {
				continue
			}
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
				srv.Close()
			}
		}
		if f.pks != nil {
			if err := f.pks.close(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		f.wg.Wait()
		f.closeSSH()
		f.closeErr = errors.Join(errs...)
	})
	return f.closeErr
}

// DirectorURL is "https://127.0.0.1:PORT".
func (f *Foundation) DirectorURL() string { return f.dirURL }

// UAAURL is the UAA base URL, "" with basic auth.
func (f *Foundation) UAAURL() string { return f.uaaURL }

// CACertPEM is the PEM of the CA that signs both server certificates.
func (f *Foundation) CACertPEM() string { return f.ca.certPEM }

// ClientID is the admin UAA client (or the basic-auth admin user).
func (f *Foundation) ClientID() string { return adminClient }

// ClientSecret is the admin client's secret (or the basic-auth password).
func (f *Foundation) ClientSecret() string { return f.clients[adminClient].Secret }

// ReadClient is a client limited to bosh.read (UAA client, or basic user).
func (f *Foundation) ReadClient() (id, secret string) {
	return readClient, f.clients[readClient].Secret
}

// UserPassword is a UAA user for the password grant through the bosh_cli
// client (empty secret).
func (f *Foundation) UserPassword() (user, pass string) {
	u := f.users[adminUser]
	return u.Name, u.Password
}

// UUID is the director's uuid.
func (f *Foundation) UUID() string { return f.content.uuid }

// SetFaults replaces the faults in force.
func (f *Foundation) SetFaults(fl Faults) {
	f.mu.Lock()
	f.faults = fl
	f.mu.Unlock()
}

// ExpireTokens makes every access token issued so far expired; refresh
// tokens stay valid.
func (f *Foundation) ExpireTokens() {
	if f.tokens != nil {
		f.tokens.expireAll()
	}
}

// Exports renders shell export lines for the bosh CLI and bosun's PKS
// settings, one per variable.
func (f *Foundation) Exports(caPath string) string {
	var b strings.Builder
	for _, kv := range append([][2]string{
		{"BOSH_ENVIRONMENT", f.dirURL},
		{"BOSH_CA_CERT", caPath},
		{"BOSH_CLIENT", f.ClientID()},
		{"BOSH_CLIENT_SECRET", f.ClientSecret()},
	}, f.pksExports(caPath)...) {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return b.String()
}

// shellQuote leaves plain words alone and single-quotes anything else.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sim: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
