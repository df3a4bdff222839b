package bosh

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/cloudfoundry/bosh-utils/httpclient"
)

// contextDoer sends each request with ctx, so that a cancelled caller
// stops its requests in flight.
type contextDoer struct {
	client *http.Client
	ctx    context.Context
}

func (d contextDoer) Do(req *http.Request) (*http.Response, error) {
	return d.client.Do(req.WithContext(d.ctx))
}

// serverErrorRetry retries GET and HEAD requests that the director
// answers with 500, which it does for passing faults (its database, a
// worker restart). The bosh-utils retry client below it handles network
// errors and 502/503/504 only.
type serverErrorRetry struct {
	next     httpclient.Client
	ctx      context.Context
	attempts int
	delay    time.Duration
}

func (r serverErrorRetry) Do(req *http.Request) (*http.Response, error) {
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	for attempt := 1; ; attempt++ {
		resp, err := r.next.Do(req)
		if err != nil && resp != nil && resp.StatusCode >= 500 && resp.Body != nil {
			// The retry client ran out of attempts on a 502/503/504; its
			// error says only "Retry: <nil cause>", the response says more.
			err = nil
		}
		if err != nil || !idempotent || resp.StatusCode != http.StatusInternalServerError || attempt >= r.attempts {
			return resp, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		select {
		case <-time.After(r.delay):
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		}
	}
}
