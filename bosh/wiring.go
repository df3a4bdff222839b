package bosh

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
	bosherr "github.com/cloudfoundry/bosh-utils/errors"
	"github.com/cloudfoundry/bosh-utils/httpclient"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// retryAttempts is how often a request is tried, as the bosh CLI does.
const retryAttempts = 5

// defaultRetryDelay is the pause between attempts, as the bosh CLI has it.
const defaultRetryDelay = 500 * time.Millisecond

// dialerMu serializes httpclient.ResetDialerContext with the creation of
// clients: the reset rewrites a package-level dialer that each new client
// captures.
var dialerMu sync.Mutex

// wiring is the HTTP stack of one director connection, built the way
// director.Factory builds it: a bosh-utils default client (CA pool,
// BOSH_ALL_PROXY dialer; through an SSH jump host, bosun's own dialer,
// which checks the jump host's key: proxy_dial.go) whose redirect hook re-authenticates and pins the
// host, under the network-safe retry client and the auth adjustment. It
// differs in three ways: every request carries the caller's context, GET
// and HEAD are also retried on 500, and task waits poll at a chosen step.
type wiring struct {
	endpoint   string // https://host:port
	raw        *http.Client
	auth       boshdir.AuthRequestAdjustment
	logger     boshlog.Logger
	retryDelay time.Duration
}

// newWiring builds the stack for cfg. The caller holds dialerMu.
func newWiring(cfg boshdir.FactoryConfig, logger boshlog.Logger, retryDelay time.Duration) (*wiring, error) {
	pool, err := cfg.CACertPool()
	if err != nil {
		return nil, err
	}
	hostPort := net.JoinHostPort(cfg.Host, fmt.Sprintf("%d", cfg.Port))
	auth := boshdir.NewAuthRequestAdjustment(cfg.TokenFunc, cfg.Client, cfg.ClientSecret)
	raw := proxiedClient(pool)
	raw.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 10 {
			return bosherr.Error("Too many redirects")
		}
		// A redirected request is not retried, so authenticate afresh now.
		if err := auth.Adjust(req, true); err != nil {
			return err
		}
		req.URL.Host = hostPort
		authValue := req.Header.Get("Authorization")
		req.Header = http.Header{}
		if authValue != "" {
			req.Header.Set("Authorization", authValue)
		}
		req.Body = nil
		return nil
	}
	return &wiring{endpoint: "https://" + hostPort, raw: raw, auth: auth, logger: logger, retryDelay: retryDelay}, nil
}

// httpClient is the stack for requests made on behalf of ctx.
func (w *wiring) httpClient(ctx context.Context) *httpclient.HTTPClient {
	doer := contextDoer{client: w.raw, ctx: ctx}
	retry := httpclient.NewNetworkSafeRetryClient(doer, retryAttempts, w.retryDelay, w.logger)
	serverRetry := serverErrorRetry{next: retry, ctx: ctx, attempts: retryAttempts, delay: w.retryDelay}
	authed := boshdir.NewAdjustableClient(serverRetry, w.auth)
	return httpclient.NewHTTPClientOpts(authed, w.logger, httpclient.Opts{NoRedactUrlQuery: true})
}

// client is a director.Client for ctx, for the director package's plain
// (non-task) calls.
func (w *wiring) client(ctx context.Context) boshdir.Client {
	return boshdir.NewClient(w.endpoint, w.httpClient(ctx), boshdir.NewNoopTaskReporter(), boshdir.NewNoopFileReporter(), w.logger)
}

// request is a director.ClientRequest for ctx.
func (w *wiring) request(ctx context.Context) boshdir.ClientRequest {
	return boshdir.NewClientRequest(w.endpoint, w.httpClient(ctx), boshdir.NewNoopFileReporter(), w.logger)
}

// taskRequest is a director.TaskClientRequest for ctx that polls task
// state every step.
//
// director.NewClient fixes that step at 500 ms, so each task is noticed
// up to 500 ms after it ends and its slot among MaxTasks is held that much
// longer. Measured with BenchmarkAllInstanceDetails (simulated director,
// 50 deployments, 5 workers, 200 ms tasks, 8 tasks in flight): a 500 ms
// step takes 3.6 s for all instance details, a 100 ms step 2.2 s, close
// to the 2 s of work the director's 5 workers need.
func (w *wiring) taskRequest(ctx context.Context, step time.Duration) boshdir.TaskClientRequest {
	return boshdir.NewTaskClientRequest(w.request(ctx), boshdir.NewNoopTaskReporter(), step)
}
