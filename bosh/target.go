package bosh

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Overrides are the connection settings given on the command line; an
// empty field means "not given".
type Overrides struct{ Environment, Client, ClientSecret, CACert string }

// Target is a resolved director environment: where it is, how to trust it
// and which credentials to present.
type Target struct {
	URL          string // https://host:port (default port 25555; bare host accepted)
	Alias        string // alias from ~/.bosh/config when one matched
	CACert       string // PEM text
	Client       string
	ClientSecret string

	// A saved `bosh log-in` UAA session.
	RefreshToken, AccessToken, AccessTokenType string
	// A saved basic-auth login.
	Username, Password string

	ConfigPath string
}

// DefaultPort is the director's API port when a URL names none.
const DefaultPort = 25555

// ResolveTarget works out the director environment the way the bosh CLI
// does: command-line flags first, then BOSH_ENVIRONMENT, BOSH_CLIENT,
// BOSH_CLIENT_SECRET and BOSH_CA_CERT, then the entry of ~/.bosh/config
// (BOSH_CONFIG names another file) matched by alias or URL, which supplies
// the URL, the CA certificate and a saved login. It only reads files.
// Every error it returns is an *Error of KindConfig.
func ResolveTarget(o Overrides, getenv func(string) string, home string) (Target, error) {
	return resolveTarget(o, getenv, home, true)
}

// ResolveOfflineTarget resolves the environment as ResolveTarget does for
// work that never connects (--offline): only where the director is (URL
// and alias), which is how the cache knows it. It reads no CA certificate,
// so a CA file that is gone does not matter, and the Target it returns
// holds no client secret, password or token.
func ResolveOfflineTarget(o Overrides, getenv func(string) string, home string) (Target, error) {
	return resolveTarget(o, getenv, home, false)
}

func resolveTarget(o Overrides, getenv func(string) string, home string, connect bool) (Target, error) {
	pick := func(flag, env string) string {
		if flag != "" {
			return flag
		}
		return getenv(env)
	}
	env := pick(o.Environment, "BOSH_ENVIRONMENT")
	if env == "" {
		return Target{}, configErr("no environment given: use -e/--environment or set BOSH_ENVIRONMENT")
	}
	t := Target{ConfigPath: configPath(getenv, home)}

	cfg, err := loadConfig(t.ConfigPath)
	if err != nil {
		return Target{}, err
	}
	entry, found := cfg.find(env)
	switch {
	case found:
		t.URL, err = NormalizeURL(entry.URL)
		if err != nil {
			return Target{}, configErr(fmt.Sprintf("environment %q in %s: %v", env, t.ConfigPath, err))
		}
		t.Alias = entry.Alias
		if connect {
			t.CACert = entry.CACert
			t.Username, t.Password = entry.Username, entry.Password
			t.AccessTokenType, t.AccessToken, t.RefreshToken = entry.AccessTokenType, entry.AccessToken, entry.RefreshToken
		}
	case looksLikeAlias(env):
		return Target{}, unknownAliasErr(env, t.ConfigPath, cfg)
	default:
		t.URL, err = NormalizeURL(env)
		if err != nil {
			return Target{}, configErr(fmt.Sprintf("environment %q: %v", env, err))
		}
	}

	if !connect {
		t.Client = pick(o.Client, "BOSH_CLIENT") // a name, recorded with actions
		return t, nil
	}
	if client := pick(o.Client, "BOSH_CLIENT"); client != "" {
		t.Client = client
		t.ClientSecret = pick(o.ClientSecret, "BOSH_CLIENT_SECRET")
	}

	if ca := pick(o.CACert, "BOSH_CA_CERT"); ca != "" {
		t.CACert, err = ReadCACert(ca, home)
		if err != nil {
			return Target{}, err
		}
	}
	return t, nil
}

// NormalizeURL turns what an operator may type for a director (a bare
// host, host:port, or a URL) into https://host:port, as the bosh CLI
// reads it: only host and port count and the scheme is always https.
func NormalizeURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	in := s
	if !strings.Contains(in, "://") {
		in = "https://" + in // lets "10.0.0.6:443" parse as host:port
	}
	cfg, err := boshdir.NewConfigFromURL(in)
	if err != nil {
		return "", fmt.Errorf("not a director URL: %q", s)
	}
	if strings.ContainsAny(cfg.Host, "/?#@ ") || cfg.Port <= 0 || cfg.Port > 65535 {
		return "", fmt.Errorf("not a director URL: %q", s)
	}
	return "https://" + net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), nil
}

// looksLikeAlias tells an alias ("prod") from a host name or address
// ("10.0.0.6", "director.example.com", "host:25555"). The bosh CLI treats
// any unknown name as a host; bosun reports an unknown alias instead,
// except for localhost.
func looksLikeAlias(s string) bool {
	return !strings.ContainsAny(s, ".:/[") && s != "localhost"
}

func configPath(getenv func(string) string, home string) string {
	p := getenv("BOSH_CONFIG")
	if p == "" {
		p = "~/.bosh/config"
	}
	return expandHome(p, home)
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

func unknownAliasErr(alias, path string, cfg boshConfig) error {
	known := cfg.aliases()
	msg := fmt.Sprintf("unknown environment alias %q", alias)
	switch {
	case !cfg.exists:
		msg += fmt.Sprintf(" (%s does not exist; run `bosh alias-env %s -e <url>` or pass a URL)", path, alias)
	case len(known) == 0:
		msg += fmt.Sprintf(" (%s has no aliases)", path)
	default:
		msg += fmt.Sprintf(" (%s knows: %s)", path, strings.Join(known, ", "))
	}
	return configErr(msg)
}

func configErr(msg string) error {
	return &Error{Kind: KindConfig, Description: msg}
}
