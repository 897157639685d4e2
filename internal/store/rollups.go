package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// The roll-ups' metrics (docs/analytics.md, "Roll-ups"). Each action of
// models.Actions is a metric of its count, and streaming actions add
// "{action}.seconds"; the rest are named here.
const (
	MetricActiveFans    = "fans.active" // distinct fans with any act: not a sum over days
	MetricPartyFans     = "fans.party"  // distinct fans who stayed in a party
	MetricFollowsGained = "follows.gained"
	MetricFollowsLost   = "follows.lost"
	MetricMRRNew        = "mrr.new"
	MetricMRRExpansion  = "mrr.expansion"
	MetricMRRContract   = "mrr.contraction" // positive: the MRR lost
	MetricMRRChurn      = "mrr.churn"       // positive: the MRR lost
	MetricMRRReactivate = "mrr.reactivation"
	MetricChurnInvol    = "churn.involuntary" // ends after a failed payment
	MetricMRRChurnInvol = "mrr.churn.involuntary"
	MetricRevenue       = "revenue" // succeeded charges, cents
	MetricPaid          = "payments.succeeded"
	MetricPaymentFailed = "payments.failed"
	MetricFollowers     = models.SnapshotPrefix + "followers"
)

// MetricMove counts a movement; MetricJoined and MetricEnded split joins
// and ends by tier (LTV by tier); the snapshots hold members and MRR by
// tier at a bucket's end.
func MetricMove(m models.MembershipMove) string { return "moves." + string(m) }
func MetricJoined(t models.Tier) string         { return "joined." + string(t) }
func MetricEnded(t models.Tier) string          { return "ended." + string(t) }
func MetricRevenueTier(t models.Tier) string    { return "revenue." + string(t) }
func MetricMembers(t models.Tier) string        { return models.SnapshotPrefix + "members." + string(t) }
func MetricMRR(t models.Tier) string            { return models.SnapshotPrefix + "mrr." + string(t) }
func MetricSeconds(a models.Action) string      { return string(a) + ".seconds" }

// PaidTiers are the tiers with a price, the ones MRR is split by.
var PaidTiers = []models.Tier{models.TierSupporter, models.TierSuperfan}

// distinct are the metrics a month cannot sum from its days.
var distinct = []string{MetricActiveFans, MetricPartyFans}

// byArtist collects figures per artist.
type byArtist map[uuid.UUID]models.Figures

func (b byArtist) add(artist uuid.UUID, metric string, v int64) {
	if v == 0 {
		return
	}
	f := b[artist]
	if f == nil {
		f = models.Figures{}
		b[artist] = f
	}
	f[metric] += v
}

// scope narrows a source's query to [start, end) and, when artist is
// set, to one artist.
func scope(q *gorm.DB, col string, start, end time.Time, artist *uuid.UUID) *gorm.DB {
	q = q.Where(col+" >= ? AND "+col+" < ?", start.UTC(), end.UTC())
	if artist != nil {
		q = q.Where("artist_id = ?", *artist)
	}
	return q
}

// Flows computes the flows of [start, end) from the sources: acts,
// follows, membership movements and charges. With artist set, only that
// artist's (today's live figures); else every artist's (a roll-up run).
func (s *Store) Flows(ctx context.Context, start, end time.Time, artist *uuid.UUID) (map[uuid.UUID]models.Figures, error) {
	out := byArtist{}
	var acts []struct {
		ArtistID uuid.UUID
		Action   models.Action
		N        int64
		Amount   int64
	}
	if err := scope(s.DB(ctx).Model(&models.EngagementEvent{}), "at", start, end, artist).
		Select("artist_id, action, count(*) AS n, coalesce(sum(amount), 0) AS amount").Group("artist_id, action").Scan(&acts).Error; err != nil {
		return nil, err
	}
	for _, a := range acts {
		out.add(a.ArtistID, string(a.Action), a.N)
		if a.Action.Streams() {
			out.add(a.ArtistID, MetricSeconds(a.Action), a.Amount)
		}
	}
	if err := s.distinctFans(ctx, out, start, end, artist); err != nil {
		return nil, err
	}
	var follows []struct {
		ArtistID uuid.UUID
		Followed bool
		N        int64
	}
	if err := scope(s.DB(ctx).Model(&models.FollowEvent{}), "at", start, end, artist).
		Select("artist_id, followed, count(*) AS n").Group("artist_id, followed").Scan(&follows).Error; err != nil {
		return nil, err
	}
	for _, f := range follows {
		out.add(f.ArtistID, map[bool]string{true: MetricFollowsGained, false: MetricFollowsLost}[f.Followed], f.N)
	}
	if err := s.moveFlows(ctx, out, start, end, artist); err != nil {
		return nil, err
	}
	var pays []struct {
		ArtistID uuid.UUID
		Tier     models.Tier
		Status   models.PaymentStatus
		N        int64
		Amount   int64
	}
	if err := scope(s.DB(ctx).Model(&models.Payment{}), "created_at", start, end, artist).
		Select("artist_id, tier, status, count(*) AS n, coalesce(sum(amount_cents), 0) AS amount").Group("artist_id, tier, status").Scan(&pays).Error; err != nil {
		return nil, err
	}
	for _, p := range pays {
		switch p.Status {
		case models.PaymentSucceeded:
			out.add(p.ArtistID, MetricPaid, p.N)
			out.add(p.ArtistID, MetricRevenue, p.Amount)
			out.add(p.ArtistID, MetricRevenueTier(p.Tier), p.Amount)
		case models.PaymentFailed:
			out.add(p.ArtistID, MetricPaymentFailed, p.N)
		}
	}
	return out, nil
}

// distinctFans counts the fans with any act, and those who stayed in a
// party, in [start, end).
func (s *Store) distinctFans(ctx context.Context, out byArtist, start, end time.Time, artist *uuid.UUID) error {
	var fans []struct {
		ArtistID uuid.UUID
		Active   int64
		Party    int64
	}
	err := scope(s.DB(ctx).Model(&models.EngagementEvent{}), "at", start, end, artist).
		Select("artist_id, count(DISTINCT user_id) AS active, count(DISTINCT CASE WHEN action = ? THEN user_id END) AS party", models.ActionListen).
		Group("artist_id").Scan(&fans).Error
	for _, f := range fans {
		out.add(f.ArtistID, MetricActiveFans, f.Active)
		out.add(f.ArtistID, MetricPartyFans, f.Party)
	}
	return err
}

// move is one membership movement with the move before it (for an end:
// whether dunning ended it).
type move struct {
	ArtistID    uuid.UUID
	Move        models.MembershipMove
	TierBefore  models.Tier
	TierAfter   models.Tier
	PriceBefore int64
	PriceAfter  int64
	Prev        *models.MembershipMove
}

// moveFlows adds the movements of [start, end) and their MRR: new,
// expansion, contraction, churn (voluntary or not) and reactivation.
func (s *Store) moveFlows(ctx context.Context, out byArtist, start, end time.Time, artist *uuid.UUID) error {
	var moves []move
	q := scope(s.DB(ctx).Table("membership_events e"), "e.at", start, end, nil)
	if artist != nil {
		q = q.Where("e.artist_id = ?", *artist)
	}
	err := q.Select(`e.artist_id, e.move, e.tier_before, e.tier_after, e.price_before, e.price_after,
		CASE WHEN e.move = ? THEN (SELECT p.move FROM membership_events p
			WHERE p.artist_id = e.artist_id AND p.fan_id = e.fan_id AND p.at < e.at ORDER BY p.at DESC, p.id DESC LIMIT 1) END AS prev`,
		models.MoveEnded).Scan(&moves).Error
	if err != nil {
		return err
	}
	for _, m := range moves {
		a := m.ArtistID
		out.add(a, MetricMove(m.Move), 1)
		switch m.Move {
		case models.MoveJoined:
			out.add(a, MetricJoined(m.TierAfter), 1)
			out.add(a, MetricMRRNew, m.PriceAfter)
		case models.MoveReactivated:
			out.add(a, MetricMRRReactivate, m.PriceAfter)
		case models.MoveUpgraded:
			out.add(a, MetricMRRExpansion, m.PriceAfter-m.PriceBefore)
		case models.MoveDowngraded:
			out.add(a, MetricMRRContract, m.PriceBefore-m.PriceAfter)
		case models.MoveEnded:
			out.add(a, MetricEnded(m.TierBefore), 1)
			out.add(a, MetricMRRChurn, m.PriceBefore)
			if m.Prev != nil && *m.Prev == models.MovePaymentFailed {
				out.add(a, MetricChurnInvol, 1)
				out.add(a, MetricMRRChurnInvol, m.PriceBefore)
			}
		}
	}
	return nil
}

// Snapshots computes, from the history in [since, at), how the members
// and MRR by tier and the followers of the given artists (nil: every
// artist) changed; from a zero since, what they are at at.
func (s *Store) Snapshots(ctx context.Context, since, at time.Time, artists []uuid.UUID) (map[uuid.UUID]models.Figures, error) {
	out := byArtist{}
	err := chunks(artists, func(ids []uuid.UUID) error {
		var moves []struct {
			ArtistID              uuid.UUID
			Move                  models.MembershipMove
			TierBefore, TierAfter models.Tier
			N, Before, After      int64
		}
		q := s.DB(ctx).Model(&models.MembershipEvent{}).Where("at >= ? AND at < ? AND move IN ?", since.UTC(), at.UTC(),
			[]models.MembershipMove{models.MoveJoined, models.MoveReactivated, models.MoveUpgraded, models.MoveDowngraded, models.MoveEnded})
		if ids != nil {
			q = q.Where("artist_id IN ?", ids)
		}
		if err := q.Select("artist_id, move, tier_before, tier_after, count(*) AS n, sum(price_before) AS before, sum(price_after) AS after").
			Group("artist_id, move, tier_before, tier_after").Scan(&moves).Error; err != nil {
			return err
		}
		for _, m := range moves {
			if m.Move != models.MoveJoined && m.Move != models.MoveReactivated {
				out.add(m.ArtistID, MetricMembers(m.TierBefore), -m.N)
				out.add(m.ArtistID, MetricMRR(m.TierBefore), -m.Before)
			}
			if m.Move != models.MoveEnded {
				out.add(m.ArtistID, MetricMembers(m.TierAfter), m.N)
				out.add(m.ArtistID, MetricMRR(m.TierAfter), m.After)
			}
		}
		var follows []struct {
			ArtistID uuid.UUID
			N        int64
		}
		fq := s.DB(ctx).Model(&models.FollowEvent{}).Where("at >= ? AND at < ?", since.UTC(), at.UTC())
		if ids != nil {
			fq = fq.Where("artist_id IN ?", ids)
		}
		if err := fq.Select("artist_id, sum(CASE WHEN followed THEN 1 ELSE -1 END) AS n").Group("artist_id").Scan(&follows).Error; err != nil {
			return err
		}
		for _, f := range follows {
			out.add(f.ArtistID, MetricFollowers, f.N)
		}
		return nil
	})
	return out, err
}

// chunks calls fn with ids in slices short enough for an IN list, or
// once with nil when ids is nil (every artist).
func chunks(ids []uuid.UUID, fn func([]uuid.UUID) error) error {
	if ids == nil {
		return fn(nil)
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
