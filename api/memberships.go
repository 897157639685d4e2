package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/membership"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

type subscribeRequest struct {
	Tier          models.Tier `json:"tier" validate:"required,oneof=supporter superfan"`
	PaymentMethod string      `json:"payment_method,omitempty" validate:"omitempty,max=255,printascii" description:"The saved card (Stripe PaymentMethod id); the sandbox defaults to pm_card_visa"`
}

type changeTierRequest struct {
	Tier models.Tier `json:"tier" validate:"required,oneof=supporter superfan"`
}

type periodView struct {
	Number int       `json:"number"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

type chargeView struct {
	At          time.Time `json:"at"`
	AmountCents int64     `json:"amount_cents"`
	Currency    string    `json:"currency"`
}

type quotaView struct {
	Used      int       `json:"used"`
	Limit     int       `json:"limit"`
	PeriodEnd time.Time `json:"period_end"`
}

type membershipView struct {
	ArtistID    string                    `json:"artist_id"`
	FanID       string                    `json:"fan_id"`
	Tier        models.Tier               `json:"tier"`
	PendingTier models.Tier               `json:"pending_tier,omitempty" description:"A tier change that applies at the period end: a downgrade, or an upgrade too late in the period to charge"`
	Status      models.SubscriptionStatus `json:"status" description:"pending (the first payment is processing: nothing granted yet), active, past_due, canceling or canceled"`
	MemberSince time.Time                 `json:"member_since"`
	Period      periodView                `json:"period"`
	NextCharge  *chargeView               `json:"next_charge"`
	Quota       *quotaView                `json:"quota" description:"DMs to the artist in the current period"`
}

type membershipList struct {
	Items      []membershipView `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func (s *Server) membershipRoutes(r *routes) {
	mine := []int{http.StatusNotFound, http.StatusConflict, http.StatusPaymentRequired, http.StatusServiceUnavailable}
	r.add(fiber.MethodPost, "/api/artists/:id/subscription", op{summary: "Join the artist's club at a paid tier (Idempotency-Key accepted); status pending while the payment processes", tag: "memberships", auth: true,
		in: subscribeRequest{}, out: membershipView{}, status: http.StatusCreated, errors: append([]int{http.StatusBadRequest}, mine...)},
		s.authenticate, s.idempotent(), s.subscribe)
	r.add(fiber.MethodGet, "/api/artists/:id/subscription", op{summary: "My membership in the artist's club", tag: "memberships", auth: true,
		out: membershipView{}, errors: []int{http.StatusNotFound}}, s.authenticate, s.membership)
	r.add(fiber.MethodPatch, "/api/artists/:id/subscription", op{summary: "Change tier: an upgrade is at once and prorated, a downgrade at the period end", tag: "memberships", auth: true,
		in: changeTierRequest{}, out: membershipView{}, errors: append([]int{http.StatusBadRequest}, mine...)}, s.authenticate, s.idempotent(), s.changeTier)
	r.add(fiber.MethodDelete, "/api/artists/:id/subscription", op{summary: "Cancel: access stays until the period ends", tag: "memberships", auth: true,
		out: membershipView{}, errors: mine}, s.authenticate, s.cancelMembership)
	r.add(fiber.MethodPost, "/api/artists/:id/subscription/resume", op{summary: "Take back a cancel before the period ends", tag: "memberships", auth: true,
		out: membershipView{}, errors: mine}, s.authenticate, s.resumeMembership)
	r.add(fiber.MethodGet, "/api/me/subscriptions", op{summary: "My memberships, live ones first", tag: "memberships", auth: true,
		out: membershipList{}}, s.authenticate, s.mySubscriptions)
	r.add(fiber.MethodGet, "/api/artists/:id/members", op{summary: "The artist's members (?tier=&status=&cursor=&limit=)", tag: "memberships", auth: true,
		query: memberQuery{}, out: membershipList{}, errors: []int{http.StatusBadRequest, http.StatusNotFound}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.members)
}

// fanAndArtist resolves the artist of the route and the calling fan.
func (s *Server) fanAndArtist(c *fiber.Ctx) (fan uuid.UUID, artist *models.Artist, err error) {
	p, _ := caller(c)
	artist, err = s.findArtist(c)
	return p.UserID, artist, err
}

func (s *Server) subscribe(c *fiber.Ctx) error {
	fan, artist, err := s.fanAndArtist(c)
	if err != nil {
		return err
	}
	if err := membership.Joinable(fan, artist.ID); err != nil {
		return err
	}
	req, err := decodeJSON[subscribeRequest](c)
	if err != nil {
		return err
	}
	sub, quota, err := s.member.Subscribe(c.UserContext(), membership.Subscribe{ArtistID: artist.ID, FanID: fan,
		Tier: req.Tier, PaymentMethod: req.PaymentMethod, UpdateID: updateID(c)})
	if err != nil {
		return workflowError(err)
	}
	if sub.Status.Grants() {
		s.countLive(c.UserContext(), artist.ID, liveNewMembers, 1)
	}
	return c.Status(http.StatusCreated).JSON(viewMembership(sub, quota))
}

// updateID makes a retry with the same Idempotency-Key one update for
// Temporal too, even when it reaches another api instance.
func updateID(c *fiber.Ctx) string {
	if k := c.Get(idempotencyHeader); k != "" {
		return "idem/" + k
	}
	return ""
}

func (s *Server) membership(c *fiber.Ctx) error {
	fan, artist, err := s.fanAndArtist(c)
	if err != nil {
		return err
	}
	return s.viewMembership(c, artist.ID, fan)
}

func (s *Server) changeTier(c *fiber.Ctx) error {
	req, err := decodeJSON[changeTierRequest](c)
	if err != nil {
		return err
	}
	return s.updateMembership(c, func(ctx context.Context, artistID, fanID uuid.UUID, updateID string) error {
		return s.member.ChangeTier(ctx, artistID, fanID, req.Tier, updateID)
	})
}

func (s *Server) cancelMembership(c *fiber.Ctx) error { return s.updateMembership(c, s.member.Cancel) }

func (s *Server) resumeMembership(c *fiber.Ctx) error { return s.updateMembership(c, s.member.Resume) }

// updateMembership runs a membership command on the caller's membership
// and answers with the membership it left.
func (s *Server) updateMembership(c *fiber.Ctx, command func(ctx context.Context, artistID, fanID uuid.UUID, updateID string) error) error {
	fan, artist, err := s.fanAndArtist(c)
	if err != nil {
		return err
	}
	if err := command(c.UserContext(), artist.ID, fan, updateID(c)); err != nil {
		return workflowError(err)
	}
	return s.viewMembership(c, artist.ID, fan)
}

// memberships is the membership workflows' client.
func (s *Server) memberships() workflows.MembershipClient {
	return workflows.MembershipClient{Conn: s.workflows()}
}

// workflows is the connection of the workflow clients.
func (s *Server) workflows() workflows.Conn {
	return workflows.Conn{Client: s.Temporal, TaskQueue: s.Config.TemporalTaskQueue}
}

// temporalContext bounds a call to Temporal on a request: the SDK retries
// an unreachable server until the context ends, so without it a request
// would wait out the whole request deadline before its 503.
func (s *Server) temporalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.Config.TemporalCallTimeout)
}

// workflowError turns a refused update into its application error; a
// Temporal that cannot be reached is left to the error handler (a 503).
func workflowError(err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if code := models.Code(app.Type()); statusOf[code] != 0 {
			return &models.Error{Code: code, Message: app.Message()}
		}
	}
	return err
}

func (s *Server) viewMembership(c *fiber.Ctx, artistID, fanID uuid.UUID) error {
	sub, err := s.Store.Membership(c.UserContext(), artistID, fanID)
	if err != nil {
		return err
	}
	v, err := s.membershipView(c.UserContext(), sub)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// membershipView reads the quota of the current period for the view.
func (s *Server) membershipView(ctx context.Context, sub *models.Subscription) (membershipView, error) {
	q, err := s.Store.CurrentQuota(ctx, sub.ArtistID, sub.FanID, s.Auth.Now())
	if errors.Is(err, models.ErrNotFound) {
		q, err = nil, nil
	}
	return viewMembership(sub, q), err
}

func viewMembership(sub *models.Subscription, q *models.QuotaPeriod) membershipView {
	v := membershipView{
		ArtistID: sub.ArtistID.String(), FanID: sub.FanID.String(), Tier: sub.Tier, PendingTier: sub.PendingTier,
		Status: sub.Status, MemberSince: sub.MemberSince.UTC(),
		Period: periodView{Number: sub.Period, Start: sub.PeriodStart.UTC(), End: sub.PeriodEnd.UTC()},
	}
	if sub.NextChargeAt != nil {
		v.NextCharge = &chargeView{At: sub.NextChargeAt.UTC(), AmountCents: sub.PriceCents, Currency: sub.Currency}
	}
	if q != nil && sub.Status.Grants() {
		v.Quota = &quotaView{Used: q.Used, Limit: q.QuotaLimit, PeriodEnd: q.PeriodEnd.UTC()}
	}
	return v
}

func (s *Server) mySubscriptions(c *fiber.Ctx) error {
	p, _ := caller(c)
	subs, err := s.Store.FanMemberships(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	return s.membershipList(c, subs, "")
}

// membershipList answers a page of memberships with their quotas, read in
// one query for the page.
func (s *Server) membershipList(c *fiber.Ctx, subs []models.Subscription, next string) error {
	out := membershipList{Items: make([]membershipView, len(subs)), NextCursor: next}
	if len(subs) > 0 {
		quotas, err := s.Store.CurrentQuotas(c.UserContext(), subs, s.Auth.Now())
		if err != nil {
			return err
		}
		for i := range subs {
			var q *models.QuotaPeriod
			for j := range quotas {
				if quotas[j].ArtistID == subs[i].ArtistID && quotas[j].FanID == subs[i].FanID {
					q = &quotas[j]
					break
				}
			}
			out.Items[i] = viewMembership(&subs[i], q)
		}
	}
	return c.JSON(out)
}

type memberQuery struct {
	Tier   string `query:"tier" validate:"omitempty,oneof=supporter superfan" invalid:"tier must be supporter or superfan" enum:"supporter,superfan"`
	Status string `query:"status" validate:"omitempty,oneof=pending active past_due canceling canceled" invalid:"status must be pending, active, past_due, canceling or canceled" enum:"pending,active,past_due,canceling,canceled"`
	pageQuery
}

func (s *Server) members(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	q, err := decodeQuery[memberQuery](c)
	if err != nil {
		return err
	}
	f := store.MemberFilter{Tier: models.Tier(q.Tier), Status: models.SubscriptionStatus(q.Status), After: q.Cursor, Limit: q.Limit}
	subs, next, err := s.Store.Members(c.UserContext(), a.ID, f)
	if err != nil {
		return err
	}
	return s.membershipList(c, subs, next)
}
