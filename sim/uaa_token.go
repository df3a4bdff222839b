package sim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tokenClaims are the JWT claims UAA puts in its tokens (the subset the
// director reads, plus the usual companions).
type tokenClaims struct {
	JTI       string   `json:"jti"`
	Sub       string   `json:"sub"`
	Scope     []string `json:"scope"`
	ClientID  string   `json:"client_id"`
	CID       string   `json:"cid"`
	Azp       string   `json:"azp"`
	GrantType string   `json:"grant_type"`
	UserID    string   `json:"user_id,omitempty"`
	Origin    string   `json:"origin,omitempty"`
	UserName  string   `json:"user_name,omitempty"`
	Email     string   `json:"email,omitempty"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	RevSig    string   `json:"rev_sig"`
	IAT       int64    `json:"iat"`
	EXP       int64    `json:"exp"`
	ISS       string   `json:"iss"`
	ZID       string   `json:"zid"`
	AUD       []string `json:"aud"`
}

// subject is who a token is for: a client alone, or a user through a client.
type subject struct {
	clientID string
	user     *uaaUser // nil for client credentials
	scopes   []string
	grant    string
}

const refreshTTL = 30 * 24 * time.Hour

// tokenIssuer signs and checks the UAA tokens (HMAC-SHA256, as a UAA
// configured with a symmetric key does). Every token's jti starts with a
// 16-hex-digit issue number; ExpireTokens raises the floor below which
// access tokens count as expired, so no token table is kept.
type tokenIssuer struct {
	key    []byte
	issuer string
	ttl    time.Duration

	mu    sync.Mutex
	seq   uint64
	floor uint64
}

func newTokenIssuer(issuer string, ttl time.Duration) (*tokenIssuer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("sim: token key: %w", err)
	}
	return &tokenIssuer{key: key, issuer: issuer, ttl: ttl}, nil
}

// issue makes an access token and, for user grants, a refresh token.
func (ti *tokenIssuer) issue(s subject, now time.Time) (access, refresh string, jti string, err error) {
	ti.mu.Lock()
	ti.seq++
	seq := ti.seq
	ti.mu.Unlock()
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return "", "", "", err
	}
	jti = fmt.Sprintf("%016x%s", seq, hex.EncodeToString(nonce))
	c := tokenClaims{
		JTI: jti, Sub: s.clientID, Scope: s.scopes, ClientID: s.clientID, CID: s.clientID, Azp: s.clientID,
		GrantType: s.grant, RevSig: hex.EncodeToString(nonce[:4]), IAT: now.Unix(), EXP: now.Add(ti.ttl).Unix(),
		ISS: ti.issuer, ZID: "uaa", AUD: audience(s),
	}
	if s.user != nil {
		c.Sub, c.UserID, c.UserName, c.Origin, c.Email, c.AuthTime = s.user.ID, s.user.ID, s.user.Name, "uaa", s.user.Email, now.Unix()
	}
	if access, err = ti.sign(c); err != nil {
		return "", "", "", err
	}
	if s.user != nil {
		c.JTI = jti + "-r"
		c.EXP = now.Add(refreshTTL).Unix()
		if refresh, err = ti.sign(c); err != nil {
			return "", "", "", err
		}
	}
	return access, refresh, jti, nil
}

func audience(s subject) []string {
	aud := []string{s.clientID}
	seen := map[string]bool{s.clientID: true}
	for _, sc := range s.scopes {
		if i := strings.IndexByte(sc, '.'); i > 0 && !seen[sc[:i]] {
			seen[sc[:i]] = true
			aud = append(aud, sc[:i])
		}
	}
	return aud
}

func (ti *tokenIssuer) sign(c tokenClaims) (string, error) {
	header := `{"alg":"HS256","kid":"legacy-token-key","typ":"JWT"}`
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	unsigned := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, ti.key)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil)), nil
}

var (
	errTokenMalformed  = errors.New("malformed token")
	errTokenSignature  = errors.New("invalid token signature")
	errTokenExpired    = errors.New("token expired")
	errTokenRefresh    = errors.New("refresh token used as access token")
	errTokenNotRefresh = errors.New("not a refresh token")
)

// parse checks the signature and decodes the claims.
func (ti *tokenIssuer) parse(tok string) (tokenClaims, error) {
	var c tokenClaims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, errTokenMalformed
	}
	enc := base64.RawURLEncoding
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return c, errTokenMalformed
	}
	mac := hmac.New(sha256.New, ti.key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return c, errTokenSignature
	}
	payload, err := enc.DecodeString(parts[1])
	if err != nil {
		return c, errTokenMalformed
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errTokenMalformed
	}
	return c, nil
}

// verifyAccess validates a bearer token as the director does: signature,
// expiry, and a jti that does not end in "-r".
func (ti *tokenIssuer) verifyAccess(tok string, now time.Time) (tokenClaims, error) {
	c, err := ti.parse(tok)
	if err != nil {
		return c, err
	}
	if strings.HasSuffix(c.JTI, "-r") {
		return c, errTokenRefresh
	}
	if c.EXP <= now.Unix() || ti.issueNumber(c.JTI) <= ti.expiredFloor() {
		return c, errTokenExpired
	}
	return c, nil
}

// verifyRefresh validates a refresh token presented to the token endpoint.
func (ti *tokenIssuer) verifyRefresh(tok string, now time.Time) (tokenClaims, error) {
	c, err := ti.parse(tok)
	if err != nil {
		return c, err
	}
	if !strings.HasSuffix(c.JTI, "-r") {
		return c, errTokenNotRefresh
	}
	if c.EXP <= now.Unix() {
		return c, errTokenExpired
	}
	return c, nil
}

func (ti *tokenIssuer) issueNumber(jti string) uint64 {
	if len(jti) < 16 {
		return 0
	}
	n, err := strconv.ParseUint(jti[:16], 16, 64)
	if err != nil {
		return 0
	}
	return n
}

func (ti *tokenIssuer) expiredFloor() uint64 {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.floor
}

// expireAll makes every access token issued so far expired.
func (ti *tokenIssuer) expireAll() {
	ti.mu.Lock()
	ti.floor = ti.seq
	ti.mu.Unlock()
}
