package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"github.com/cloudfoundry/bosh-cli/v7/uaa"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// startSim starts a foundation on a free port and closes it after the test.
func startSim(t testing.TB, o Options) *Foundation {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.TaskTime == 0 {
		o.TaskTime = 20 * time.Millisecond
	}
	f, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

var quietLogger = boshlog.NewLogger(boshlog.LevelNone)

// taskRecorder is a director.TaskReporter that remembers what it saw.
type taskRecorder struct {
	started chan int
	mu      sync.Mutex
	chunks  map[int][]byte
	states  map[int]string
}

func newTaskRecorder() *taskRecorder {
	return &taskRecorder{started: make(chan int, 64), chunks: map[int][]byte{}, states: map[int]string{}}
}

func (r *taskRecorder) TaskStarted(id int) {
	select {
	case r.started <- id:
	default:
	}
}

func (r *taskRecorder) TaskFinished(id int, state string) {
	r.mu.Lock()
	r.states[id] = state
	r.mu.Unlock()
}

func (r *taskRecorder) TaskOutputChunk(id int, chunk []byte) {
	r.mu.Lock()
	r.chunks[id] = append(r.chunks[id], chunk...)
	r.mu.Unlock()
}

func (r *taskRecorder) output(id int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.chunks[id]...)
}

// serialized makes a bosh-cli token session safe for concurrent requests
// (the sessions keep their token in an unguarded field).
func serialized(fn func(bool) (string, error)) func(bool) (string, error) {
	var mu sync.Mutex
	return func(retried bool) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return fn(retried)
	}
}

// uaaFor builds a bosh-cli UAA client for client/secret.
func uaaFor(t testing.TB, f *Foundation, client, secret string) uaa.UAA {
	t.Helper()
	cfg, err := uaa.NewConfigFromURL(f.UAAURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.CACert, cfg.Client, cfg.ClientSecret = f.CACertPEM(), client, secret
	u, err := uaa.NewFactory(quietLogger).New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// directorWith builds a bosh-cli director; adjust sets the credentials.
func directorWith(t testing.TB, f *Foundation, rep director.TaskReporter, adjust func(*director.FactoryConfig)) director.Director {
	t.Helper()
	cfg, err := director.NewConfigFromURL(f.DirectorURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.CACert = f.CACertPEM()
	if adjust != nil {
		adjust(&cfg)
	}
	if rep == nil {
		rep = director.NewNoopTaskReporter()
	}
	d, err := director.NewFactory(quietLogger).New(cfg, rep, director.NewNoopFileReporter())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// adminDirector is a director authenticated with the admin client through
// UAA client credentials, wired as reference §1.5 describes.
func adminDirector(t testing.TB, f *Foundation, rep director.TaskReporter) director.Director {
	t.Helper()
	u := uaaFor(t, f, f.ClientID(), f.ClientSecret())
	return directorWith(t, f, rep, func(c *director.FactoryConfig) {
		c.TokenFunc = serialized(uaa.NewClientTokenSession(u).TokenFunc)
	})
}

// tokenStore is a uaa.ConfigUpdater that keeps the tokens it is given.
type tokenStore struct {
	mu     sync.Mutex
	tokens []uaa.AccessToken
}

func (s *tokenStore) UpdateConfigWithToken(_ string, t uaa.AccessToken) error {
	s.mu.Lock()
	s.tokens = append(s.tokens, t)
	s.mu.Unlock()
	return nil
}

func (s *tokenStore) Save() error { return nil }

func (s *tokenStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// rawClient is a plain HTTPS client trusting the foundation's CA that does
// not follow redirects.
func rawClient(t testing.TB, f *Foundation) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(f.CACertPEM())) {
		t.Fatal("CA PEM does not parse")
	}
	return &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// adminToken gets an access token for the admin client straight from UAA.
func adminToken(t testing.TB, f *Foundation) string {
	t.Helper()
	tok, err := uaaFor(t, f, f.ClientID(), f.ClientSecret()).ClientCredentialsGrant()
	if err != nil {
		t.Fatal(err)
	}
	return tok.Type() + " " + tok.Value()
}

type rawReply struct {
	status int
	header http.Header
	body   string
}

// do sends one request to the director with the given Authorization
// header value ("" for none) and extra headers.
func do(t testing.TB, c *http.Client, f *Foundation, method, path, auth string, hdr map[string]string, body string) rawReply {
	t.Helper()
	req, err := http.NewRequest(method, f.DirectorURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawReply{resp.StatusCode, resp.Header, string(b)}
}

// directorErr decodes a director JSON error body.
func directorErr(t testing.TB, body string) (code int, desc string) {
	t.Helper()
	var e struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q is not director JSON: %v", body, err)
	}
	return e.Code, e.Description
}

func waitState(t testing.TB, f *Foundation, id int, states ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := f.WaitTask(ctx, id, states...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
