package pks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"bosun/bosh"
)

// Client talks to one PKS API as the pks/tkgi CLI does: a UAA password
// grant through the pks_cli client, bearer tokens refreshed when they
// expire, TLS verified against the configured CA. It is safe for
// concurrent use; concurrent callers share one login.
type Client struct {
	t    Target
	http *http.Client

	mu      sync.Mutex // serialises logins and guards the tokens
	access  string
	refresh string
	expires time.Time // zero: unknown (a saved token)
	now     func() time.Time
}

// Options tune a Client. Zero values are the defaults.
type Options struct {
	Timeout time.Duration // per request, default 30s
}

// CLIClient is the UAA client the pks/tkgi CLI logs in with (empty secret).
const CLIClient = "pks_cli"

// maxBody bounds what bosun reads of any answer.
const maxBody = 32 << 20

// New prepares a client; it does not contact the API.
func New(t Target, o Options) (*Client, error) {
	if !t.Configured() {
		return nil, configErr("no PKS API configured: use --pks-api or PKS_API")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(t.CACert)) {
		return nil, configErr("PKS CA certificate: no PEM certificate found")
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4,
	}
	return &Client{
		t:       t,
		http:    &http.Client{Transport: tr, Timeout: o.Timeout},
		access:  t.AccessToken,
		refresh: t.RefreshToken,
		now:     time.Now,
	}, nil
}

// Target is what the client was built from.
func (c *Client) Target() Target { return c.t }

// token returns a bearer token, logging in or refreshing when there is
// none, it is about to expire, or stale names the one that was refused.
func (c *Client) token(ctx context.Context, stale string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fresh := c.access != "" && c.access != stale &&
		(c.expires.IsZero() || c.now().Add(30*time.Second).Before(c.expires))
	if fresh {
		return c.access, nil
	}
	var err error
	if c.refresh != "" {
		if err = c.grant(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.refresh}}); err == nil {
			return c.access, nil
		}
		if KindOf(err) != bosh.KindUnauthorized {
			return "", err
		}
	}
	if c.t.User == "" {
		if err != nil {
			return "", &APIError{Kind: bosh.KindUnauthorized, Op: "log in", Service: "PKS UAA", URL: c.t.UAA,
				Description: "the saved session has expired; run `tkgi login` again or give --pks-user/--pks-password", Err: err}
		}
		return "", &APIError{Kind: bosh.KindUnauthorized, Op: "log in", Service: "PKS UAA", URL: c.t.UAA,
			Description: "no user to log in with: give --pks-user/--pks-password or run `tkgi login`"}
	}
	if err := c.grant(ctx, url.Values{"grant_type": {"password"}, "username": {c.t.User}, "password": {c.t.Password}}); err != nil {
		return "", err
	}
	return c.access, nil
}

// grant posts to the UAA token endpoint as pks_cli. Call with c.mu held.
func (c *Client) grant(ctx context.Context, form url.Values) error {
	op := "log in"
	if form.Get("grant_type") == "refresh_token" {
		op = "refresh token"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.t.UAA+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return configErr("PKS UAA URL %q: %v", c.t.UAA, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(CLIClient, "")
	resp, err := c.http.Do(req)
	if err != nil {
		return transportErr(op, "PKS UAA", c.t.UAA, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return transportErr(op, "PKS UAA", c.t.UAA, err)
	}
	if resp.StatusCode != http.StatusOK {
		return statusErr(op, "PKS UAA", c.t.UAA, resp.StatusCode, body)
	}
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return &APIError{Kind: bosh.KindBadResponse, Op: op, Service: "PKS UAA", URL: c.t.UAA, Description: "no access token in the answer"}
	}
	c.access = tr.AccessToken
	if tr.RefreshToken != "" {
		c.refresh = tr.RefreshToken
	}
	c.expires = time.Time{}
	if tr.ExpiresIn > 0 {
		c.expires = c.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return nil
}

// call sends one API request and decodes a JSON answer into out. A 401
// gets one new token and one retry.
func (c *Client) call(ctx context.Context, op, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, stale)
		if err != nil {
			if e, ok := err.(*APIError); ok && e.Op != op {
				e.Op = op + ": " + e.Op
			}
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.t.API+path, bytes.NewReader(payload))
		if err != nil {
			return configErr("PKS API URL %q: %v", c.t.API, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return transportErr(op, "PKS API", c.t.API, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return transportErr(op, "PKS API", c.t.API, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			stale = tok
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return statusErr(op, "PKS API", c.t.API, resp.StatusCode, data)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return &APIError{Kind: bosh.KindBadResponse, Op: op, Service: "PKS API", URL: c.t.API,
				Description: "malformed JSON: " + err.Error(), Err: err}
		}
		return nil
	}
}
