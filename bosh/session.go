package bosh

import (
	"context"
	"fmt"
	"sync"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
	boshuaa "github.com/cloudfoundry/bosh-cli/v7/uaa"
	"github.com/cloudfoundry/bosh-utils/httpclient"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// session is an established connection: what the director said
// anonymously, and the authenticated HTTP stack.
type session struct {
	anon     boshdir.InfoResp
	wire     *wiring
	hasCreds bool
	who      string                     // client or user name presented, for messages
	token    func(bool) (string, error) // the UAA token session, if any
	hinted   bool                       // anon was remembered, not asked: no anonymous GET /info was made
	fresh    bool                       // anon was asked for this session and not handed out by Identity yet
}

// connect learns the auth type from an anonymous GET /info and builds the
// authenticated stack as the bosh CLI does: basic auth with the client (or
// saved username) and secret; on a UAA director a client-credentials
// session when a client is set, else a session on the saved refresh token.
func connect(ctx context.Context, t Target, logger boshlog.Logger, retryDelay time.Duration, known *Info) (*session, error) {
	const op = "" // the caller names the operation
	cfg, err := boshdir.NewConfigFromURL(t.URL)
	if err != nil {
		return nil, &Error{Kind: KindConfig, Op: op, URL: t.URL, Err: err, Description: fmt.Sprintf("not a director URL: %q", t.URL)}
	}
	cfg.CACert = t.CACert
	if _, err := cfg.CACertPool(); err != nil {
		return nil, &Error{Kind: KindConfig, Op: op, URL: t.URL, Err: err, Description: "CA certificate does not parse: " + oneLine(err.Error())}
	}

	dialerMu.Lock()
	httpclient.ResetDialerContext() // BOSH_ALL_PROXY as it is now
	anonWire, err := newWiring(cfg, logger, retryDelay)
	dialerMu.Unlock()
	if err != nil {
		return nil, classify(op, t.URL, err)
	}
	var info boshdir.InfoResp
	if known != nil {
		info = rememberedInfo(*known)
	} else if info, err = anonWire.client(ctx).Info(); err != nil {
		return nil, classify(op, t.URL, err)
	}

	s := &session{anon: info, hinted: known != nil, fresh: known == nil}
	client, secret := t.Client, t.ClientSecret
	if client == "" {
		client, secret = t.Username, t.Password
	}
	if info.Auth.Type != "uaa" {
		cfg.Client, cfg.ClientSecret = client, secret
		s.hasCreds, s.who = client != "", client
	} else if client != "" || t.RefreshToken != "" {
		tokenFunc, err := uaaTokenFunc(info, t, client, secret, logger)
		if err != nil {
			return nil, classify(op, t.URL, err)
		}
		// FactoryConfig.Client stays empty: when set it forces Basic auth.
		cfg.TokenFunc = tokenFunc
		s.hasCreds, s.who, s.token = true, client, tokenFunc
	}

	dialerMu.Lock()
	s.wire, err = newWiring(cfg, logger, retryDelay)
	dialerMu.Unlock()
	if err != nil {
		return nil, classify(op, t.URL, err)
	}
	return s, nil
}

// uaaTokenFunc builds the token session for a UAA director. It is called
// with dialerMu not held and takes it to build the UAA client.
func uaaTokenFunc(info boshdir.InfoResp, t Target, client, secret string, logger boshlog.Logger) (func(bool) (string, error), error) {
	url, _ := info.Auth.Options["url"].(string)
	if url == "" {
		return nil, &Error{Kind: KindBadResponse, Description: "director uses UAA but names no UAA URL in /info"}
	}
	ucfg, err := boshuaa.NewConfigFromURL(url)
	if err != nil {
		return nil, &Error{Kind: KindBadResponse, Err: err, Description: fmt.Sprintf("director names an unusable UAA URL %q", url)}
	}
	ucfg.CACert = t.CACert // the bosh CLI trusts the UAA with the director's CA
	ucfg.Client, ucfg.ClientSecret = client, secret
	if client == "" {
		ucfg.Client, ucfg.ClientSecret = "bosh_cli", ""
	}
	dialerMu.Lock()
	u, err := newUAA(ucfg, logger) // uaa.Factory's, with the jump host's key checked
	dialerMu.Unlock()
	if err != nil {
		return nil, err
	}
	if client != "" {
		return serialTokenFunc(boshuaa.NewClientTokenSession(u).TokenFunc), nil
	}
	env := t.Alias
	if env == "" {
		env = t.URL
	}
	tok := boshuaa.NewRefreshableAccessToken(t.AccessTokenType, t.AccessToken, t.RefreshToken)
	return serialTokenFunc(boshuaa.NewAccessTokenSession(u, tok, noConfigUpdate{}, env).TokenFunc), nil
}

// serialTokenFunc makes a uaa token session safe for concurrent requests
// (the sessions keep their token in a plain field) and turns the panic the
// uaa package raises on a refresh reply without refresh_token into an error.
func serialTokenFunc(f func(bool) (string, error)) func(bool) (string, error) {
	var mu sync.Mutex
	return func(retried bool) (header string, err error) {
		mu.Lock()
		defer mu.Unlock()
		defer func() {
			if r := recover(); r != nil {
				header = ""
				err = &Error{Kind: KindUnauthorized, service: "UAA", Description: fmt.Sprintf("UAA token reply unusable: %v", r)}
			}
		}()
		return f(retried)
	}
}

// noConfigUpdate is the uaa.ConfigUpdater bosun gives a refreshed session:
// bosun never rewrites ~/.bosh/config, so refreshed tokens live only in
// memory.
type noConfigUpdate struct{}

func (noConfigUpdate) UpdateConfigWithToken(string, boshuaa.AccessToken) error { return nil }
func (noConfigUpdate) Save() error                                             { return nil }

// rememberedInfo is what the anonymous GET /info would say, as a cache
// remembers it: enough to build the authenticated stack.
func rememberedInfo(k Info) boshdir.InfoResp {
	r := boshdir.InfoResp{Name: k.Name, UUID: k.UUID, Version: k.Version, CPI: k.CPI,
		StemcellOS: k.StemcellOS, StemcellVersion: k.StemcellVersion}
	r.Auth.Type = k.AuthType
	if k.AuthType == "uaa" {
		r.Auth.Options = map[string]interface{}{"url": k.UAAURL}
	}
	return r
}
