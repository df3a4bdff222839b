package sim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	adminClient = "admin"      // client credentials, bosh.admin
	readClient  = "bosun-read" // client credentials, bosh.read
	cliClient   = "bosh_cli"   // password and refresh grants, empty secret
	adminUser   = "admin"
	uaaVersion  = "76.24.0"
)

type uaaClient struct {
	ID     string
	Secret string
	Scopes []string
	Grants []string
}

type uaaUser struct {
	ID       string
	Name     string
	Email    string
	Password string
	Scopes   []string
}

// setUpCredentials makes the clients and the user with fresh secrets. The
// same names serve as basic-auth users when Auth is "basic".
func (f *Foundation) setUpCredentials() error {
	adminSecret, err := randomHex(16)
	if err != nil {
		return err
	}
	readSecret, err := randomHex(16)
	if err != nil {
		return err
	}
	userPass, err := randomHex(12)
	if err != nil {
		return err
	}
	f.clients = map[string]*uaaClient{
		adminClient: {ID: adminClient, Secret: adminSecret, Scopes: []string{"bosh.admin"}, Grants: []string{"client_credentials"}},
		readClient:  {ID: readClient, Secret: readSecret, Scopes: []string{"bosh.read"}, Grants: []string{"client_credentials"}},
		cliClient:   {ID: cliClient, Scopes: []string{"openid", "bosh.admin", "bosh.read"}, Grants: []string{"password", "refresh_token"}},
	}
	f.users = map[string]*uaaUser{
		adminUser: {ID: newRNG(f.opts.Seed, "uaa-user").uuid(), Name: adminUser, Email: "admin@pks.example.com",
			Password: userPass, Scopes: []string{"openid", "bosh.admin"}},
	}
	return nil
}

// uaaRealm is one UAA server: its clients, users and token issuer. The
// director's UAA is one; the PKS API's UAA (sim/pks_uaa.go) is another.
type uaaRealm struct {
	prefix  string // "" for the director's UAA, "PKS " for the PKS one: stats keys
	url     string
	clients map[string]*uaaClient
	users   map[string]*uaaUser
	tokens  *tokenIssuer
}

// serveUAA answers the UAA endpoints bosh-cli uses: POST /oauth/token and
// GET /login.
func (f *Foundation) serveUAA(w http.ResponseWriter, r *http.Request) {
	f.serveRealm(w, r, &uaaRealm{url: f.uaaURL, clients: f.clients, users: f.users, tokens: f.tokens})
}

func (f *Foundation) serveRealm(w http.ResponseWriter, r *http.Request, rl *uaaRealm) {
	if !f.delay(w, r) {
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/oauth/token":
		f.countRequest(rl.prefix + "UAA POST /oauth/token")
		f.tokenEndpoint(w, r, rl)
	case r.Method == http.MethodGet && r.URL.Path == "/login":
		f.countRequest(rl.prefix + "UAA GET /login")
		writeJSON(w, http.StatusOK, "application/json;charset=UTF-8", map[string]any{
			"app":            map[string]string{"version": uaaVersion},
			"showLoginLinks": true,
			"links":          map[string]string{"uaa": rl.url, "passwd": "/forgot_password", "login": rl.url, "register": "/create_account"},
			"zone_name":      "uaa",
			"prompts": map[string][]string{
				"username": {"text", "Email"},
				"password": {"password", "Password"},
			},
		})
	default:
		f.countRequest(rl.prefix + "UAA " + r.Method + " (unknown)")
		uaaError(w, http.StatusNotFound, "not_found", "Not Found")
	}
}

// tokenReply is UAA's token response.
type tokenReply struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	JTI          string `json:"jti"`
}

func (f *Foundation) tokenEndpoint(w http.ResponseWriter, r *http.Request, rl *uaaRealm) {
	id, secret, ok := r.BasicAuth()
	client := rl.clients[id]
	if !ok || client == nil || subtle.ConstantTimeCompare([]byte(secret), []byte(client.Secret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="UAA/client", error="unauthorized", error_description="Bad credentials"`)
		uaaError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
		return
	}
	if err := r.ParseForm(); err != nil {
		uaaError(w, http.StatusBadRequest, "invalid_request", "Malformed form body")
		return
	}
	grant := r.PostForm.Get("grant_type")
	if grant == "" {
		uaaError(w, http.StatusBadRequest, "invalid_request", "Missing grant type")
		return
	}
	if grant != "client_credentials" && grant != "password" && grant != "refresh_token" {
		uaaError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+grant)
		return
	}
	if !slices.Contains(client.Grants, grant) {
		uaaError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized grant type: "+grant)
		return
	}
	now := time.Now()
	s := subject{clientID: client.ID, grant: grant}
	switch grant {
	case "client_credentials":
		s.scopes = client.Scopes
	case "password":
		u := rl.users[r.PostForm.Get("username")]
		if u == nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(u.Password)) != 1 {
			uaaError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
			return
		}
		s.user, s.scopes = u, intersect(u.Scopes, client.Scopes)
	case "refresh_token":
		c, err := rl.tokens.verifyRefresh(r.PostForm.Get("refresh_token"), now)
		u := rl.users[c.UserName]
		if err != nil || c.ClientID != client.ID || u == nil {
			uaaError(w, http.StatusUnauthorized, "invalid_token", "Invalid refresh token.")
			return
		}
		s.user, s.scopes = u, c.Scope
	}
	access, refresh, jti, err := rl.tokens.issue(s, now)
	if err != nil {
		uaaError(w, http.StatusInternalServerError, "server_error", "Could not issue token")
		return
	}
	f.countGrant(rl.prefix + grant)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, "application/json;charset=UTF-8", tokenReply{
		AccessToken: access, TokenType: "bearer", RefreshToken: refresh,
		ExpiresIn: int(rl.tokens.ttl / time.Second), Scope: strings.Join(s.scopes, " "), JTI: jti,
	})
}

func uaaError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, "application/json;charset=UTF-8", map[string]string{"error": code, "error_description": desc})
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// writeJSON encodes v compactly, without HTML escaping, as the director does.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := marshalJSON(v)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}

func marshalJSON(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}
