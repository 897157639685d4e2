package discord

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/fanfare/fanfare/models"
)

// Webhook names a webhook: its id and its secret token. Requests go to the
// configured api base, never to a host taken from the URL an artist gave.
type Webhook struct {
	ID    string
	Token string
}

// maxURL bounds a webhook URL (Discord's are about 120 bytes).
const maxURL = 512

// hosts are the names Discord serves webhook URLs under.
var hosts = map[string]bool{
	"discord.com": true, "ptb.discord.com": true, "canary.discord.com": true,
	"discordapp.com": true, "ptb.discordapp.com": true, "canary.discordapp.com": true,
}

// webhookPath is /api[/vN]/webhooks/{snowflake}/{token}.
var webhookPath = regexp.MustCompile(`^/api(?:/v[0-9]{1,2})?/webhooks/([0-9]{17,20})/([A-Za-z0-9_-]{20,100})$`)

// ParseURL checks a webhook URL as Discord shows it ("Copy Webhook URL"):
// https, one of Discord's hosts by its ASCII name, no credentials, port,
// query or fragment, the path of a webhook. Anything else is a 400 naming
// webhook_url.
func ParseURL(raw string) (Webhook, error) {
	bad := func(why string) (Webhook, error) {
		return Webhook{}, models.FieldError("webhook_url", "webhook_url %s", why)
	}
	if len(raw) > maxURL {
		return bad("is too long")
	}
	for i := range len(raw) { // no spaces, controls, backslashes or non-ASCII look-alikes
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '\\' || c == '%' {
			return bad("must be a plain ASCII URL as Discord shows it")
		}
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Opaque != "":
		return bad("must be an absolute URL")
	case u.Scheme != "https":
		return bad("must be an https URL")
	case u.User != nil:
		return bad("must not hold credentials")
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		return bad("must not name a port")
	case !hosts[strings.ToLower(u.Host)]:
		return bad("must be on discord.com or discordapp.com")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("must not have a query or fragment")
	}
	m := webhookPath.FindStringSubmatch(u.Path)
	if m == nil {
		return bad("must be a webhook URL like https://discord.com/api/webhooks/{id}/{token}")
	}
	return Webhook{ID: m[1], Token: m[2]}, nil
}
