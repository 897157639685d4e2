package notify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

func TestCheckEndpoint(t *testing.T) {
	prod := NewPusher(nil, PushConfig{})
	dev := NewPusher(nil, PushConfig{AllowHTTP: true})
	for name, tc := range map[string]struct {
		p   *Pusher
		url string
		ok  bool
	}{
		"fcm":               {prod, "https://fcm.googleapis.com/fcm/send/abc:def", true},
		"mozilla":           {prod, "https://updates.push.services.mozilla.com/wpush/v2/gAAA", true},
		"explicit 443":      {prod, "https://push.example.com:443/x", true},
		"http in prod":      {prod, "http://push.example.com/x", false},
		"http in dev":       {dev, "http://push.example.com/x", true},
		"ftp":               {dev, "ftp://push.example.com/x", false},
		"no host":           {prod, "https:///x", false},
		"relative":          {prod, "/x", false},
		"opaque":            {prod, "https:push.example.com", false},
		"credentials":       {prod, "https://user:pw@push.example.com/x", false},
		"other port":        {prod, "https://push.example.com:8443/x", false},
		"loopback literal":  {prod, "https://127.0.0.1/x", false},
		"metadata literal":  {prod, "https://169.254.169.254/latest", false},
		"private v6":        {prod, "https://[fd00::1]/x", false},
		"mapped v4 literal": {prod, "https://[::ffff:10.0.0.1]/x", false},
		"localhost":         {prod, "https://localhost/push", false},
		"under localhost":   {dev, "http://push.LOCALHOST./x", false},
		"decimal loopback":  {prod, "https://2130706433/x", false},
		"short loopback":    {prod, "https://127.1/x", false},
		"public literal":    {prod, "https://8.8.8.8/x", true},
		"public name":       {prod, "https://localhost.example.com/x", true},
		"too long":          {prod, "https://push.example.com/" + strings.Repeat("a", maxEndpoint), false},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.p.CheckEndpoint(tc.url)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
			require.Equal(t, "endpoint", err.(*models.Error).Field)
		})
	}
}
