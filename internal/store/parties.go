package store

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

type partyCoHost struct {
	PartyID   uuid.UUID
	UserID    uuid.UUID
	CreatedAt time.Time
}

func (partyCoHost) TableName() string { return "party_cohosts" }

type partyRSVP struct {
	PartyID   uuid.UUID
	UserID    uuid.UUID
	CreatedAt time.Time
}

func (partyRSVP) TableName() string { return "party_rsvps" }

// CreateParty inserts a party row.
func (s *Store) CreateParty(ctx context.Context, p *models.Party) error {
	return s.DB(ctx).Create(p).Error
}

// Party returns a party with its co-hosts.
func (s *Store) Party(ctx context.Context, id uuid.UUID) (*models.Party, error) {
	p, err := first[models.Party](s.DB(ctx).Where("id = ?", id))
	if err != nil {
		return nil, err
	}
	err = s.DB(ctx).Model(&partyCoHost{}).Where("party_id = ?", id).Order("created_at, user_id").Pluck("user_id", &p.CoHosts).Error
	return p, err
}

// UpdateParty writes the fields a host edits of a party that is still
// scheduled or live; an ended or cancelled one is a conflict. The
// playback fields are left to the workflow. A private party's new invite
// code ends, in the same transaction, what the old one let in
// (revokeAdmissions).
func (s *Store) UpdateParty(ctx context.Context, p *models.Party) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&models.Party{}).Where("id = ?", p.ID)
		if s.dialect == Postgres { // a concurrent edit waits: the code compared is the one replaced
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var code []string
		if err := q.Pluck("invite_code", &code).Error; err != nil {
			return err
		}
		res := tx.Model(p).Select("title", "description", "playlist", "scheduled_at", "private", "invite_code", "min_tier", "capacity", "updated_at").
			Where("status IN ?", []models.PartyStatus{models.PartyScheduled, models.PartyLive}).Updates(p)
		if err := changed(res, "this party has ended or was cancelled"); err != nil {
			return err
		}
		if p.Private && len(code) == 1 && code[0] != p.InviteCode {
			return revokeAdmissions(tx, p)
		}
		return nil
	})
}

// CancelParty cancels a party that has not ended; cancelling one that
// ended, or twice, is a conflict.
func (s *Store) CancelParty(ctx context.Context, id uuid.UUID, now time.Time) error {
	res := s.DB(ctx).Model(&models.Party{}).Where("id = ? AND status IN ?", id, []models.PartyStatus{models.PartyScheduled, models.PartyLive}).
		Updates(map[string]any{"status": models.PartyCancelled, "cancelled_at": now, "updated_at": now})
	return changed(res, "this party has ended or was cancelled")
}

// changed is a conditional write's error: nil when it wrote a row, else a
// conflict with message.
func changed(res *gorm.DB, message string) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.CodeConflict, "%s", message)
	}
	return nil
}

// Parties returns a page of parties, soonest first, and the cursor of the
// next page ("" at the end): the last row's scheduled_at|id.
func (s *Store) Parties(ctx context.Context, f models.PartyFilter, after string, limit int) ([]models.Party, string, error) {
	q := s.DB(ctx).Where("status IN ?", f.Statuses).
		Where("NOT private OR artist_id = ? OR id IN (SELECT party_id FROM party_cohosts WHERE user_id = ?)", f.Viewer, f.Viewer)
	if f.ArtistID != nil {
		q = q.Where("artist_id = ?", *f.ArtistID)
	}
	if f.Public != nil {
		q = q.Where("private = ?", !*f.Public)
	}
	if after != "" {
		at, id, err := parseTimeCursor(after)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("scheduled_at > ? OR (scheduled_at = ? AND id > ?)", at, at, id)
	}
	var rows []models.Party
	if err := q.Order("scheduled_at, id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next, err := page(rows, limit, func(p models.Party) string { return timeCursor(p.ScheduledAt, p.ID) })
	if err != nil {
		return nil, "", err
	}
	return rows, next, s.fillCoHosts(ctx, rows)
}

// fillCoHosts reads the co-hosts of every party in rows in one query: who
// hosts decides what a list shows them.
func (s *Store) fillCoHosts(ctx context.Context, rows []models.Party) error {
	if len(rows) == 0 {
		return nil
	}
	at := make(map[uuid.UUID]*models.Party, len(rows))
	ids := make([]uuid.UUID, len(rows))
	for i := range rows {
		ids[i], at[rows[i].ID] = rows[i].ID, &rows[i]
	}
	var hosts []partyCoHost
	if err := s.DB(ctx).Where("party_id IN ?", ids).Order("created_at, user_id").Find(&hosts).Error; err != nil {
		return err
	}
	for _, h := range hosts {
		at[h.PartyID].CoHosts = append(at[h.PartyID].CoHosts, h.UserID)
	}
	return nil
}

// OpenParties lists the ids of an artist's scheduled and live parties:
// the rooms a fan who lost access must be rechecked out of.
func (s *Store) OpenParties(ctx context.Context, artistID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.DB(ctx).Model(&models.Party{}).Where("artist_id = ? AND status IN ?", artistID, []models.PartyStatus{models.PartyScheduled, models.PartyLive}).
		Pluck("id", &ids).Error
	return ids, err
}

// AddCoHost makes a user a co-host of a party that is still open, at most
// max of them; adding one twice is a no-op.
func (s *Store) AddCoHost(ctx context.Context, partyID, userID uuid.UUID, max int, now time.Time) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres { // concurrent adds take turns; SQLite has one writer already
			if err := tx.Exec("SELECT 1 FROM parties WHERE id = ? FOR UPDATE", partyID).Error; err != nil {
				return err
			}
		}
		p, err := first[models.Party](tx.Where("id = ?", partyID))
		if err != nil {
			return err
		}
		if !p.Status.Open() {
			return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
		}
		var n int64
		if err := tx.Model(&partyCoHost{}).Where("party_id = ? AND user_id <> ?", partyID, userID).Count(&n).Error; err != nil {
			return err
		}
		if n >= int64(max) {
			return models.Errorf(models.CodeConflict, "a party has at most %d co-hosts", max)
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&partyCoHost{PartyID: partyID, UserID: userID, CreatedAt: now}).Error
	})
}

// RemoveCoHost removes a co-host; one who is not is not found.
func (s *Store) RemoveCoHost(ctx context.Context, partyID, userID uuid.UUID) error {
	res := s.DB(ctx).Where("party_id = ? AND user_id = ?", partyID, userID).Delete(&partyCoHost{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// RSVP records a user's RSVP to a party (again: a no-op).
func (s *Store) RSVP(ctx context.Context, partyID, userID uuid.UUID, now time.Time) error {
	return s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&partyRSVP{PartyID: partyID, UserID: userID, CreatedAt: now}).Error
}

// CancelRSVP removes a user's RSVP, if any.
func (s *Store) CancelRSVP(ctx context.Context, partyID, userID uuid.UUID) error {
	return s.DB(ctx).Where("party_id = ? AND user_id = ?", partyID, userID).Delete(&partyRSVP{}).Error
}

// RSVPCounts counts the RSVPs of parties and tells which userID made.
func (s *Store) RSVPCounts(ctx context.Context, partyIDs []uuid.UUID, userID uuid.UUID) (map[uuid.UUID]models.RSVPCount, error) {
	var rows []struct {
		PartyID uuid.UUID
		Count   int64
		Mine    int64
	}
	err := s.DB(ctx).Model(&partyRSVP{}).Select("party_id, count(*) AS count, sum(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS mine", userID).
		Where("party_id IN ?", partyIDs).Group("party_id").Scan(&rows).Error
	out := make(map[uuid.UUID]models.RSVPCount, len(rows))
	for _, r := range rows {
		out[r.PartyID] = models.RSVPCount{Count: r.Count, Mine: r.Mine > 0}
	}
	return out, err
}

// SetPartyPlayback writes a party's status and playback as its workflow
// sees them (a cancel is the api's to write). A record older than the row's (a retried activity) and a
// party cancelled or ended on the row are left as they are.
func (s *Store) SetPartyPlayback(ctx context.Context, r models.PartyRecord) error {
	fields := map[string]any{"status": r.Status, "track_index": r.Playback.TrackIndex, "position_ms": r.Playback.PositionMs,
		"playing": r.Playback.Playing, "playback_version": r.Playback.Version, "updated_at": r.At}
	switch r.Status {
	case models.PartyLive:
		fields["started_at"] = gorm.Expr("COALESCE(started_at, ?)", r.At)
	case models.PartyEnded:
		fields["ended_at"] = r.At
	}
	return s.DB(ctx).Model(&models.Party{}).Where("id = ? AND status IN ? AND playback_version <= ?",
		r.PartyID, []models.PartyStatus{models.PartyScheduled, models.PartyLive}, r.Playback.Version).Updates(fields).Error
}

// DeleteParty removes a party row that was just created (its workflow
// did not start), with whatever hangs off it.
func (s *Store) DeleteParty(ctx context.Context, id uuid.UUID) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("party_id = ?", id).Delete(&partyCoHost{}).Error; err != nil {
			return err
		}
		if err := tx.Where("party_id = ?", id).Delete(&partyRSVP{}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).Delete(&models.Party{}).Error
	})
}

// SetPartyStats writes what a party's workflow counted when it ended: its
// listeners and their time, and when it ended. The chat and reaction
// counts are AddPartyCounts's and stay as they are.
func (s *Store) SetPartyStats(ctx context.Context, st models.PartyStats) error {
	return s.DB(ctx).Model(&models.Party{}).Where("id = ?", st.PartyID).Updates(map[string]any{
		"peak_listeners": st.PeakListeners, "total_listeners": st.TotalListeners, "listening_ms": st.ListeningMs,
		"ended_at": gorm.Expr("COALESCE(ended_at, ?)", st.EndedAt),
	}).Error
}

// AddPartyCounts adds chat messages and reactions to a party's stats in
// one atomic write, so concurrent counters (and the workflow's own stats
// write) lose none.
func (s *Store) AddPartyCounts(ctx context.Context, partyID uuid.UUID, chat, reactions int64) error {
	return addPartyCounts(s.DB(ctx), partyID, chat, reactions)
}

func addPartyCounts(tx *gorm.DB, partyID uuid.UUID, chat, reactions int64) error {
	res := tx.Model(&models.Party{}).Where("id = ?", partyID).Updates(map[string]any{
		"chat_messages": gorm.Expr("chat_messages + ?", chat), "reactions": gorm.Expr("reactions + ?", reactions),
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return res.Error
}

// AddPartyReactions adds a window's reactions to the party's total and
// each reacting fan's engagement, in one transaction; it returns the
// party's artist.
func (s *Store) AddPartyReactions(ctx context.Context, partyID uuid.UUID, byUser map[uuid.UUID]int64, at time.Time) (uuid.UUID, error) {
	var artist uuid.UUID
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var total int64
		var events []models.EngagementEvent
		for user, n := range byUser {
			total += n
			events = append(events, models.EngagementEvent{UserID: user, Action: models.ActionReaction, Amount: n, At: at})
		}
		if err := addPartyCounts(tx, partyID, 0, total); err != nil {
			return err
		}
		var err error
		if artist, err = artistOf(tx, &models.Party{}, partyID); err != nil {
			return err
		}
		for i := range events {
			events[i].ArtistID = artist
		}
		return recordEngagement(tx, events...)
	})
	return artist, err
}

// PartyGuestPage returns up to limit of a party's guests after the user id
// `after`, as FollowerPage does: its RSVPs, the artist's live members of
// the paid tiers among tiers, and its followers when tiers holds the
// follower tier; each once.
func (s *Store) PartyGuestPage(ctx context.Context, artistID, partyID uuid.UUID, tiers []models.Tier, after string, limit int) ([]Recipient, error) {
	db := s.DB(ctx)
	from := func(q *gorm.DB, user string) *gorm.DB {
		if after != "" { // each side starts at the cursor, not only the union
			q = q.Where(user+" > ?", after)
		}
		return q
	}
	union, args := "?", []any{from(db.Table("party_rsvps r").Select("r.user_id").Where("r.party_id = ?", partyID), "r.user_id")}
	var paid []models.Tier
	for _, t := range tiers {
		if t.Paid() {
			paid = append(paid, t)
		}
	}
	if len(paid) > 0 {
		union, args = union+" UNION ?", append(args, from(db.Table("subscriptions m").Select("m.fan_id").
			Where("m.artist_id = ? AND m.tier IN ? AND m.status IN ?", artistID, paid, models.GrantingStatuses), "m.fan_id"))
	}
	if slices.Contains(tiers, models.TierFollower) {
		union, args = union+" UNION ?", append(args, from(db.Table("follows f").Select("f.user_id").Where("f.artist_id = ?", artistID), "f.user_id"))
	}
	return recipientPage(db.Table("("+union+") g", args...), "g.user_id", after, limit)
}
