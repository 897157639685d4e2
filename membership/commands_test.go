package membership_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/membership"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The commands called directly, without HTTP, on the Temporal dev server:
// subscribe, change tier, cancel and resume, and what they refuse.
func TestCommandsOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	p := app.Platform
	artist := uuid.MustParse(app.Register(t, "artist", "Nova").User.ID)
	fan := uuid.MustParse(app.Register(t, "fan", "Kai").User.ID)
	c := &membership.Commands{Store: p.Store, Billing: p.Billing, Timeout: p.Config.TemporalCallTimeout, Now: p.Auth.Now,
		Workflows: workflows.MembershipClient{Conn: workflows.Conn{Client: p.Temporal, TaskQueue: p.Config.TemporalTaskQueue}}}
	ctx := t.Context()
	stored := func() *models.Subscription {
		sub, err := p.Store.Membership(ctx, artist, fan)
		require.NoError(t, err)
		return sub
	}
	// refusal is the code of a refused update (the workflow's application
	// error type) or of a models error.
	refusal := func(err error) string {
		var app *temporal.ApplicationError
		if errors.As(err, &app) {
			return app.Type()
		}
		var e *models.Error
		if errors.As(err, &e) {
			return string(e.Code)
		}
		return ""
	}

	t.Run("before joining", func(t *testing.T) {
		require.ErrorIs(t, c.Cancel(ctx, artist, fan, ""), models.ErrNotFound)
		_, _, err := c.Subscribe(ctx, membership.Subscribe{ArtistID: artist, FanID: artist, Tier: models.TierSuperfan})
		require.Equal(t, string(models.CodeInvalid), refusal(err), "own club")
		_, err = p.Store.Membership(ctx, artist, artist)
		require.ErrorIs(t, err, models.ErrNotFound, "nothing written")
	})

	t.Run("subscribe", func(t *testing.T) {
		sub, quota, err := c.Subscribe(ctx, membership.Subscribe{ArtistID: artist, FanID: fan, Tier: models.TierSuperfan, UpdateID: "idem/join-1"})
		require.NoError(t, err)
		require.Equal(t, models.TierSuperfan, sub.Tier)
		require.Equal(t, models.StatusActive, sub.Status)
		require.Positive(t, quota.QuotaLimit)
		require.Equal(t, models.StatusActive, stored().Status)
		retry, _, err := c.Subscribe(ctx, membership.Subscribe{ArtistID: artist, FanID: fan, Tier: models.TierSuperfan, UpdateID: "idem/join-1"})
		require.NoError(t, err, "a retry with the same update id is the same update")
		require.Equal(t, sub.Period, retry.Period)
	})

	t.Run("change tier, cancel, resume", func(t *testing.T) {
		require.Equal(t, string(models.CodeConflict), refusal(c.ChangeTier(ctx, artist, fan, models.TierSuperfan, "")), "the same tier")
		require.NoError(t, c.ChangeTier(ctx, artist, fan, models.TierSupporter, ""))
		require.Equal(t, models.TierSupporter, stored().PendingTier)
		require.NoError(t, c.Cancel(ctx, artist, fan, ""))
		require.Equal(t, models.StatusCanceling, stored().Status)
		require.Equal(t, string(models.CodeConflict), refusal(c.Cancel(ctx, artist, fan, "")), "canceling twice")
		require.NoError(t, c.Resume(ctx, artist, fan, ""))
		require.Equal(t, models.StatusActive, stored().Status)
	})
}
