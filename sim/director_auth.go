package sim

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"time"
)

// principal is who a director request is authenticated as.
type principal struct {
	name   string // user_name, else client_id (or the basic-auth user)
	scopes []string
}

// authenticate reads the Authorization header as the director's identity
// provider does. It returns nil when the header is missing or invalid.
func (f *Foundation) authenticate(r *http.Request) *principal {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil
	}
	if f.opts.Auth == "basic" {
		user, pass, ok := r.BasicAuth()
		c := f.clients[user]
		if !ok || c == nil || c.Secret == "" || subtle.ConstantTimeCompare([]byte(pass), []byte(c.Secret)) != 1 {
			return nil
		}
		return &principal{name: user, scopes: c.Scopes}
	}
	return f.tokens.bearer(h)
}

// bearer reads an Authorization header holding a bearer access token this
// issuer signed; nil when it is not one, or is expired or forged.
func (ti *tokenIssuer) bearer(h string) *principal {
	typ, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(typ, "bearer") {
		return nil
	}
	c, err := ti.verifyAccess(strings.TrimSpace(tok), time.Now())
	if err != nil {
		return nil
	}
	name := c.UserName
	if name == "" {
		name = c.ClientID
	}
	return &principal{name: name, scopes: c.Scope}
}

func (p *principal) hasAny(scopes []string) bool {
	for _, s := range scopes {
		if slices.Contains(p.scopes, s) {
			return true
		}
	}
	return false
}

// Scope lists as the director's PermissionAuthorizer builds them.

func (f *Foundation) adminScopes() []string {
	return []string{"bosh.admin", "bosh." + f.content.uuid + ".admin"}
}

func (f *Foundation) readScopes() []string {
	return []string{"bosh.read", "bosh." + f.content.uuid + ".read"}
}

// directorScopes are the scopes that grant a director-level permission
// (permAdmin, permRead, permList, permEvents), including the caller's own
// team scopes where the director accepts them.
func (f *Foundation) directorScopes(p *principal, perm string) []string {
	s := f.adminScopes()
	if perm == permAdmin {
		return s
	}
	s = append(s, f.readScopes()...)
	for _, sc := range p.scopes {
		if !strings.HasPrefix(sc, "bosh.teams.") {
			continue
		}
		if perm == permList && strings.HasSuffix(sc, ".admin") ||
			perm == permEvents && (strings.HasSuffix(sc, ".admin") || strings.HasSuffix(sc, ".read")) {
			s = append(s, sc)
		}
	}
	return s
}

// subjectScopes are the scopes that grant perm on a deployment or task
// owned by teams.
func (f *Foundation) subjectScopes(teams []string, perm string) []string {
	s := f.adminScopes()
	for _, t := range teams {
		s = append(s, "bosh.teams."+t+".admin")
	}
	if perm == "read" {
		for _, t := range teams {
			s = append(s, "bosh.teams."+t+".read")
		}
		s = append(s, f.readScopes()...)
	}
	return s
}

// requireScopes answers 401 code 600000 unless p holds one of scopes.
func requireScopes(w http.ResponseWriter, f *Foundation, p *principal, scopes []string) bool {
	if p.hasAny(scopes) {
		return true
	}
	f.mu.Lock()
	f.stats.ScopeRefusals++
	f.mu.Unlock()
	directorError(w, http.StatusUnauthorized, 600000, "Require one of the scopes: "+strings.Join(scopes, ", "))
	return false
}
