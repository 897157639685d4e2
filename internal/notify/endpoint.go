package notify

import (
	"net/url"

	"github.com/fanfare/fanfare/internal/egress"
	"github.com/fanfare/fanfare/models"
)

// maxEndpoint bounds an endpoint URL (the push services' are under 500 bytes).
const maxEndpoint = 1024

// CheckEndpoint refuses, with a 400 naming the field, an endpoint the push
// client would not send to: not https (http too in development), no host,
// credentials in it, too long, another port, or a host that is not public
// without DNS (egress.CheckHost). Other names are checked on every dial.
func (p *Pusher) CheckEndpoint(raw string) error {
	bad := func(why string) error { return models.FieldError("endpoint", "endpoint %s", why) }
	u, err := url.Parse(raw)
	switch {
	case len(raw) > maxEndpoint:
		return bad("is too long")
	case err != nil || u.Host == "" || u.Opaque != "":
		return bad("must be an absolute URL with a host")
	case u.Scheme != "https" && !(p.AllowHTTP && u.Scheme == "http"):
		return bad("must be an https URL")
	case u.User != nil:
		return bad("must not hold credentials")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	if len(p.Allow) == 0 && port != "443" && port != "80" {
		return bad("must use the standard port")
	}
	if egress.CheckHost(p.guard, u.Hostname()) != nil {
		return bad("must be a public host")
	}
	return nil
}
