package sim

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cloudfoundry/bosh-cli/v7/director"
	"github.com/cloudfoundry/bosh-cli/v7/uaa"
)

func TestClientCredentialsTokenExpiresMidSession(t *testing.T) {
	f := startSim(t, Options{})
	d := adminDirector(t, f, nil)
	if _, err := d.ListDeployments(); err != nil {
		t.Fatal(err)
	}
	before := f.Stats()
	f.ExpireTokens()
	if _, err := d.ListDeployments(); err != nil {
		t.Fatalf("after token expiry: %v", err)
	}
	after := f.Stats()
	if after.Unauthorized != before.Unauthorized+1 {
		t.Errorf("401s: %d then %d, want one more", before.Unauthorized, after.Unauthorized)
	}
	if after.TokenGrants["client_credentials"] != before.TokenGrants["client_credentials"]+1 {
		t.Errorf("client grants %v then %v, want one more", before.TokenGrants, after.TokenGrants)
	}
}

func TestPasswordGrantRefreshSession(t *testing.T) {
	f := startSim(t, Options{})
	u := uaaFor(t, f, "bosh_cli", "")
	prompts, err := u.Prompts()
	if err != nil || len(prompts) != 2 || prompts[0].Key != "username" || !prompts[1].IsPassword() {
		t.Fatalf("prompts %+v, %v", prompts, err)
	}
	user, pass := f.UserPassword()
	tok, err := u.OwnerPasswordCredentialsGrant([]uaa.PromptAnswer{{Key: "username", Value: user}, {Key: "password", Value: pass}})
	if err != nil {
		t.Fatal(err)
	}
	rt, ok := tok.(uaa.RefreshableAccessToken)
	if !ok || rt.RefreshValue() == "" || tok.Type() != "bearer" {
		t.Fatalf("password grant token %T refreshable=%v", tok, ok)
	}
	info, err := uaa.NewTokenInfoFromValue(rt.RefreshValue())
	if err != nil || info.Username != user || !slices.Contains(info.Scopes, "bosh.admin") {
		t.Errorf("refresh token claims %+v, %v", info, err)
	}
	store := &tokenStore{}
	d := directorWith(t, f, nil, func(c *director.FactoryConfig) {
		c.TokenFunc = uaa.NewAccessTokenSession(u, tok, store, "sim").TokenFunc
	})
	if i, err := d.Info(); err != nil || i.User != user {
		t.Fatalf("info as user: %+v %v", i, err)
	}
	if _, err := d.ListDeployments(); err != nil {
		t.Fatal(err)
	}
	if store.count() != 0 {
		t.Errorf("a valid token was refreshed %d times", store.count())
	}
	f.ExpireTokens()
	if _, err := d.ListDeployments(); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if store.count() != 1 || f.Stats().TokenGrants["refresh_token"] != 1 {
		t.Errorf("refreshes: saved %d, grants %v", store.count(), f.Stats().TokenGrants)
	}
	dep, _ := d.FindDeployment(f.content.pks.Name)
	if _, err := dep.InstanceInfos(); err != nil {
		t.Fatalf("task call as user: %v", err)
	}
	tasks, err := d.RecentTasks(1, director.TasksFilter{All: true})
	if err != nil || len(tasks) != 1 || tasks[0].User() != user {
		t.Errorf("latest task %v: user, %v", tasks, err)
	}
}

func TestRefreshTokenIsNotABearer(t *testing.T) {
	f := startSim(t, Options{})
	u := uaaFor(t, f, "bosh_cli", "")
	user, pass := f.UserPassword()
	tok, err := u.OwnerPasswordCredentialsGrant([]uaa.PromptAnswer{{Key: "username", Value: user}, {Key: "password", Value: pass}})
	if err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, f)
	refresh := tok.(uaa.RefreshableAccessToken).RefreshValue()
	r := do(t, c, f, "GET", "/deployments", "bearer "+refresh, nil, "")
	if r.status != 401 || r.body != "Not authorized: '/deployments'\n" || r.header.Get("WWW-Authenticate") != `Basic realm="BOSH Director"` {
		t.Errorf("refresh token as bearer: %d %q %v", r.status, r.body, r.header)
	}
	for _, typ := range []string{"bearer", "Bearer", "BEARER"} {
		if r := do(t, c, f, "GET", "/deployments", typ+" "+tok.Value(), nil, ""); r.status != 200 {
			t.Errorf("%s token: %d %q", typ, r.status, r.body)
		}
	}
	forged := tok.Value()[:len(tok.Value())-4] + "AAAA"
	if r := do(t, c, f, "GET", "/info", "bearer "+forged, nil, ""); r.status != 200 || !strings.Contains(r.body, `"user":null`) {
		t.Errorf("/info with a forged token: %d %s", r.status, r.body)
	}
	if r := do(t, c, f, "GET", "/deployments", "bearer "+forged, nil, ""); r.status != 401 {
		t.Errorf("forged token: %d", r.status)
	}
	if _, err := u.RefreshTokenGrant(tok.Value()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("access token used as refresh token: %v", err)
	}
	next, err := u.RefreshTokenGrant(refresh)
	if err != nil {
		t.Fatal(err)
	}
	if rt, ok := next.(uaa.RefreshableAccessToken); !ok || rt.RefreshValue() == "" {
		t.Errorf("refresh reply without a refresh token")
	}
}

func TestTokenClaims(t *testing.T) {
	f := startSim(t, Options{})
	tok, err := uaaFor(t, f, f.ClientID(), f.ClientSecret()).ClientCredentialsGrant()
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok.Value(), ".")
	if len(parts) != 3 {
		t.Fatalf("token %d segments", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	if c.ClientID != f.ClientID() || !slices.Contains(c.Scope, "bosh.admin") || c.JTI == "" || strings.HasSuffix(c.JTI, "-r") ||
		c.EXP-c.IAT != int64(DefaultTokenTTL.Seconds()) || c.UserName != "" {
		t.Errorf("claims %+v", c)
	}
}

func TestBadCredentialsAreRefused(t *testing.T) {
	f := startSim(t, Options{})
	if _, err := uaaFor(t, f, f.ClientID(), "wrong").ClientCredentialsGrant(); err == nil || !strings.Contains(err.Error(), "'401'") {
		t.Errorf("wrong client secret: %v", err)
	}
	if _, err := uaaFor(t, f, "nobody", "x").ClientCredentialsGrant(); err == nil {
		t.Error("unknown client was given a token")
	}
	user, _ := f.UserPassword()
	_, err := uaaFor(t, f, "bosh_cli", "").OwnerPasswordCredentialsGrant([]uaa.PromptAnswer{{Key: "username", Value: user}, {Key: "password", Value: "wrong"}})
	if err == nil || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := uaaFor(t, f, "bosh_cli", "").ClientCredentialsGrant(); err == nil || !strings.Contains(err.Error(), "Unauthorized grant type") {
		t.Errorf("bosh_cli client credentials: %v", err)
	}
	d := adminDirector(t, f, nil)
	bad := directorWith(t, f, nil, func(c *director.FactoryConfig) {
		c.TokenFunc = uaa.NewClientTokenSession(uaaFor(t, f, f.ClientID(), "wrong")).TokenFunc
	})
	if _, err := bad.ListDeployments(); err == nil {
		t.Error("deployments listed with a wrong secret")
	}
	if ok, err := d.IsAuthenticated(); !ok || err != nil {
		t.Errorf("admin not authenticated: %v", err)
	}
}

func TestReadOnlyClientScopes(t *testing.T) {
	f := startSim(t, Options{})
	id, secret := f.ReadClient()
	u := uaaFor(t, f, id, secret)
	d := directorWith(t, f, nil, func(c *director.FactoryConfig) {
		c.TokenFunc = uaa.NewClientTokenSession(u).TokenFunc
	})
	deps, err := d.ListDeployments()
	if err != nil || len(deps) != len(f.content.deployments) {
		t.Fatalf("read client deployments: %d %v", len(deps), err)
	}
	dep, _ := d.FindDeployment(f.content.clusters[0].Name)
	if _, err := dep.InstanceInfos(); err != nil {
		t.Errorf("read client vm-stats: %v", err)
	}
	if _, err := d.Locks(); err != nil {
		t.Errorf("read client locks: %v", err)
	}
	task, err := d.FindTask(f.bg.t.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = task.Cancel()
	if err == nil || !strings.Contains(err.Error(), "'401'") || !strings.Contains(err.Error(), `"code":600000`) ||
		!strings.Contains(err.Error(), "Require one of the scopes: bosh.admin, bosh."+f.UUID()+".admin") {
		t.Errorf("read client cancel: %v", err)
	}
	c := rawClient(t, f)
	tok, _ := u.ClientCredentialsGrant()
	r := do(t, c, f, "GET", "/tasks/"+itoa(f.bg.t.ID)+"/output?type=debug", "bearer "+tok.Value(), nil, "")
	code, desc := 0, ""
	if r.status == 401 {
		code, desc = directorErr(t, r.body)
	}
	want := "Require one of the scopes: bosh.admin, bosh." + f.UUID() + ".admin, bosh.teams." + f.content.pks.Name + ".admin"
	if r.status != 401 || code != 600000 || desc != want {
		t.Errorf("debug output as reader: %d %q", r.status, r.body)
	}
	// The client resends a request once after a 401, so the cancel was refused twice.
	if f.Stats().ScopeRefusals != 3 {
		t.Errorf("scope refusals %d, want 3", f.Stats().ScopeRefusals)
	}
}

func TestBasicAuthDirector(t *testing.T) {
	f := startSim(t, Options{Auth: "basic"})
	if f.UAAURL() != "" {
		t.Errorf("basic director has a UAA at %s", f.UAAURL())
	}
	info, err := directorWith(t, f, nil, nil).Info()
	if err != nil || info.Auth.Type != "basic" || len(info.Auth.Options) != 0 {
		t.Fatalf("info %+v %v", info, err)
	}
	d := directorWith(t, f, nil, func(c *director.FactoryConfig) { c.Client, c.ClientSecret = f.ClientID(), f.ClientSecret() })
	if ok, err := d.IsAuthenticated(); !ok || err != nil {
		t.Fatalf("basic admin: %v %v", ok, err)
	}
	dep, _ := d.FindDeployment(f.content.pks.Name)
	if _, err := dep.InstanceInfos(); err != nil {
		t.Errorf("task through basic auth: %v", err)
	}
	bad := directorWith(t, f, nil, func(c *director.FactoryConfig) { c.Client, c.ClientSecret = f.ClientID(), "wrong" })
	if ok, _ := bad.IsAuthenticated(); ok {
		t.Error("wrong password authenticated")
	}
	if _, err := bad.ListDeployments(); err == nil || !strings.Contains(err.Error(), "'401'") {
		t.Errorf("wrong password: %v", err)
	}
	exports := f.Exports("/tmp/ca dir/ca.pem")
	for _, want := range []string{"export BOSH_ENVIRONMENT=" + f.DirectorURL() + "\n", "export BOSH_CA_CERT='/tmp/ca dir/ca.pem'\n",
		"export BOSH_CLIENT=" + f.ClientID() + "\n", "export BOSH_CLIENT_SECRET=" + f.ClientSecret() + "\n"} {
		if !strings.Contains(exports, want) {
			t.Errorf("exports lack %q:\n%s", want, exports)
		}
	}
}
