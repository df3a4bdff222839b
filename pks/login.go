package pks

import (
	"bosun/bosh"

	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Default ports of a PKS API VM: the API and its UAA.
const (
	DefaultAPIPort = 9021
	DefaultUAAPort = 8443
)

// Overrides are the PKS settings given on the command line; empty means
// not given.
type Overrides struct{ API, UAA, User, Password, CACert string }

// Target is where the PKS API is, how to trust it and how to log in.
type Target struct {
	API      string // https://host:port (default port 9021)
	UAA      string // https://host:port of its UAA (default: the API host, port 8443)
	User     string
	Password string
	CACert   string // PEM text; required (TLS is always verified)

	// A session saved by `pks login` / `tkgi login` for this API.
	AccessToken, RefreshToken string
	CredsPath                 string // the file it came from
}

// Configured says whether a PKS API was named at all.
func (t Target) Configured() bool { return t.API != "" }

// ResolveTarget works out the PKS settings: flags first, then PKS_API,
// PKS_UAA_URL, PKS_USER, PKS_PASSWORD and PKS_CA_CERT (TKGI_* spellings
// too), then the session the pks/tkgi CLI saved in ~/.pks/creds.yml or
// ~/.tkgi/creds.yml, which may supply the API, its CA and tokens. No API
// anywhere gives a zero Target and no error: PKS is optional. Every error
// is an *APIError of KindConfig.
func ResolveTarget(o Overrides, getenv func(string) string, home string) (Target, error) {
	pick := func(flag string, envs ...string) string {
		if flag != "" {
			return flag
		}
		for _, e := range envs {
			if v := getenv(e); v != "" {
				return v
			}
		}
		return ""
	}
	var t Target
	api := pick(o.API, "PKS_API", "TKGI_API")
	saved, savedPath, err := loadSavedCreds(home)
	if err != nil {
		return Target{}, err
	}
	if api == "" && saved.API != "" {
		api = saved.API
	}
	if api == "" {
		return Target{}, nil
	}
	if t.API, err = NormalizeURL(api, DefaultAPIPort); err != nil {
		return Target{}, configErr("PKS API: %v", err)
	}
	if uaa := pick(o.UAA, "PKS_UAA_URL", "TKGI_UAA_URL"); uaa != "" {
		if t.UAA, err = NormalizeURL(uaa, DefaultUAAPort); err != nil {
			return Target{}, configErr("PKS UAA: %v", err)
		}
	} else {
		u, _ := url.Parse(t.API)
		t.UAA = "https://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(DefaultUAAPort))
	}
	t.User = pick(o.User, "PKS_USER", "TKGI_USER")
	t.Password = pick(o.Password, "PKS_PASSWORD", "TKGI_PASSWORD")
	ca := pick(o.CACert, "PKS_CA_CERT", "TKGI_CA_CERT")
	if saved.API != "" && sameHost(saved.API, t.API) {
		t.AccessToken, t.RefreshToken, t.CredsPath = saved.AccessToken, saved.RefreshToken, savedPath
		if ca == "" {
			ca = saved.CACert
		}
	}
	if ca == "" {
		return Target{}, configErr("no CA certificate for the PKS API %s: use --pks-ca-cert or PKS_CA_CERT (TLS is always verified)", t.API)
	}
	if t.CACert, err = readCA(ca, home); err != nil {
		return Target{}, err
	}
	if t.User == "" && t.AccessToken == "" && t.RefreshToken == "" {
		return Target{}, configErr("no PKS credentials: use --pks-user/--pks-password, PKS_USER/PKS_PASSWORD, or `tkgi login` first")
	}
	return t, nil
}

// NormalizeURL turns a host, host:port or URL into https://host:port.
func NormalizeURL(s string, defaultPort int) (string, error) {
	in := strings.TrimSpace(s)
	if !strings.Contains(in, "://") {
		in = "https://" + in
	}
	u, err := url.Parse(in)
	if err != nil || u.Hostname() == "" || strings.ContainsAny(u.Hostname(), " /@") {
		return "", fmt.Errorf("not a URL: %q", s)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("%q: only https is supported", s)
	}
	port := u.Port()
	if port == "" {
		port = strconv.Itoa(defaultPort)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("not a URL: %q (bad port)", s)
	}
	return "https://" + net.JoinHostPort(u.Hostname(), port), nil
}

func sameHost(a, b string) bool {
	na, err1 := NormalizeURL(a, DefaultAPIPort)
	nb, err2 := NormalizeURL(b, DefaultAPIPort)
	return err1 == nil && err2 == nil && na == nb
}

// readCA reads the PKS API's CA as the director's is read.
func readCA(v, home string) (string, error) {
	text, err := bosh.ReadCACert(v, home)
	if err != nil {
		return "", configErr("PKS CA certificate: %v", err)
	}
	return text, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
