package bosh

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"

	boshuaa "github.com/cloudfoundry/bosh-cli/v7/uaa"
	"github.com/cloudfoundry/bosh-utils/httpclient"
	boshlog "github.com/cloudfoundry/bosh-utils/logger"
)

// proxiedClient is httpclient.CreateDefaultClient for pool, dialling
// through the SSH jump host of BOSH_ALL_PROXY with its host key checked
// when that is set (proxy_dial.go).
func proxiedClient(pool *x509.CertPool) *http.Client {
	raw := httpclient.CreateDefaultClient(pool)
	if dial := allProxyDial(os.Getenv); dial != nil {
		raw.Transport.(*http.Transport).DialContext = dial
	}
	return raw
}

// newUAA is the UAA client uaa.Factory.New builds, on a proxiedClient:
// the factory's own client takes the bosh-utils dialer, which accepts any
// jump host key.
func newUAA(cfg boshuaa.Config, logger boshlog.Logger) (boshuaa.UAA, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validating UAA connection config: %w", err)
	}
	pool, err := cfg.CACertPool()
	if err != nil {
		return nil, err
	}
	retry := httpclient.NewNetworkSafeRetryClient(proxiedClient(pool), retryAttempts, defaultRetryDelay, logger)
	endpoint := url.URL{Scheme: "https", Host: net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), Path: cfg.Path}
	return uaaGrants{boshuaa.NewClient(endpoint.String(), cfg.Client, cfg.ClientSecret, httpclient.NewHTTPClient(retry, logger), logger)}, nil
}

// uaaGrants is a uaa.UAA over a uaa.Client: the token grants bosun's
// token sessions use.
type uaaGrants struct{ c boshuaa.Client }

func (u uaaGrants) Prompts() ([]boshuaa.Prompt, error) {
	return nil, errors.New("bosun does not prompt for UAA credentials")
}

func (u uaaGrants) ClientCredentialsGrant() (boshuaa.AccessToken, error) {
	r, err := u.c.ClientCredentialsGrant()
	if err != nil {
		return nil, err
	}
	return boshuaa.NewAccessToken(r.Type, r.AccessToken), nil
}

func (u uaaGrants) OwnerPasswordCredentialsGrant(answers []boshuaa.PromptAnswer) (boshuaa.AccessToken, error) {
	r, err := u.c.OwnerPasswordCredentialsGrant(answers)
	if err != nil {
		return nil, err
	}
	return boshuaa.NewRefreshableAccessToken(r.Type, r.AccessToken, r.RefreshToken), nil
}

func (u uaaGrants) RefreshTokenGrant(refresh string) (boshuaa.AccessToken, error) {
	r, err := u.c.RefreshTokenGrant(refresh)
	if err != nil {
		return nil, err
	}
	return boshuaa.NewRefreshableAccessToken(r.Type, r.AccessToken, r.RefreshToken), nil
}
