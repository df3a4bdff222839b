package bosh

import (
	"context"
	"errors"
	"fmt"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Info asks the director who it is, authenticated, so that User is the
// user or client bosun acts as. When the director accepts no credentials
// (none configured, or refused) the error is KindUnauthorized and the
// returned Info still holds what the director said.
func (c *Client) Info(ctx context.Context) (Info, error) {
	info, err := c.info(ctx)
	if err != nil && KindOf(err) != KindCanceled && !directorUnreachable(err) && c.dropHint(ctx) {
		// The remembered auth settings may be stale (a moved UAA, a
		// director switched to basic auth): learn them again, once.
		return c.info(ctx)
	}
	return info, err
}

// Identity is who the director is, at the least cost: the anonymous
// GET /info this client's connection has just made (no user then), else
// the authenticated one of Info. A listing needs no more, and so makes
// the requests the bosh CLI makes for it.
func (c *Client) Identity(ctx context.Context) (Info, error) {
	s, err := c.session(ctx, "director info")
	if err != nil {
		return Info{}, err
	}
	select {
	case c.connLock <- struct{}{}:
	case <-ctx.Done():
		return Info{}, classify("director info", c.target.URL, ctx.Err())
	}
	fresh := s.fresh && s.anon.UUID != "" && s.hasCreds // no credentials: Info says what to set
	s.fresh = false
	<-c.connLock
	if fresh {
		return infoFrom(s.anon), nil
	}
	return c.Info(ctx)
}

// directorUnreachable: the director itself (not its UAA) did not answer.
func directorUnreachable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindUnreachable && e.service != "UAA"
}

func (c *Client) info(ctx context.Context) (Info, error) {
	const op = "director info"
	s, err := c.session(ctx, op)
	if err != nil {
		return Info{}, err
	}
	resp, err := await(ctx, func() (boshdir.InfoResp, error) {
		r, err := s.wire.client(ctx).Info()
		if err != nil || r.User != "" || s.token == nil {
			return r, err
		}
		// /info never answers 401: a stale saved access token shows up as
		// no user. Refresh the token once and ask again.
		if _, err := s.token(true); err != nil {
			return r, err
		}
		return s.wire.client(ctx).Info()
	})
	if err != nil {
		return infoFrom(s.anon), classify(op, c.target.URL, err)
	}
	info := infoFrom(resp)
	if info.User == "" {
		e := &Error{Kind: KindUnauthorized, Op: op, URL: c.target.URL}
		if s.hasCreds {
			e.Description = fmt.Sprintf("director %s did not accept the credentials of %q", c.target.URL, s.who)
		} else {
			e.Description = fmt.Sprintf("no credentials for director %s: set BOSH_CLIENT and BOSH_CLIENT_SECRET, or run `bosh log-in`", c.target.URL)
		}
		return info, e
	}
	return info, nil
}

func infoFrom(r boshdir.InfoResp) Info {
	info := Info{
		Name:            r.Name,
		UUID:            r.UUID,
		Version:         r.Version,
		User:            r.User,
		CPI:             r.CPI,
		StemcellOS:      r.StemcellOS,
		StemcellVersion: r.StemcellVersion,
		AuthType:        r.Auth.Type,
	}
	if u, ok := r.Auth.Options["url"].(string); ok {
		info.UAAURL = u
	}
	if len(r.Features) > 0 {
		info.Features = make(map[string]bool, len(r.Features))
		for k, f := range r.Features {
			info.Features[k] = f.Status
		}
	}
	return info
}
