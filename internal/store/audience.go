package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// Audience breakdowns: what AudienceCounts groups the audience by.
const (
	ByCountry   = "country"    // users.country, "" when not given
	ByBirthYear = "birth_year" // users.birth_year as text, "" when not given
	ByTimeZone  = "time_zone"  // users.time_zone
	ByTier      = "tier"       // the live membership's tier, or follower
	ByActivity  = "activity"   // "active" or "dormant" in the window
)

// AudienceCount is how many of an artist's audience share one value of
// one attribute.
type AudienceCount struct {
	Breakdown string
	Label     string
	Count     int
}

// audienceCounts is one statement on both dialects: the audience (who
// follows the artist or holds a live membership now, each once) joined to
// their users row, then one GROUP BY per attribute. Each breakdown is a
// marginal: no row crosses two attributes, so nothing above can cross
// activity with a country. A fan is active when an engagement event of
// theirs towards the artist falls in [from, until): the EXISTS reads the
// (artist_id, user_id, at) index (migration 00024).
const audienceCounts = `
WITH audience AS (
	SELECT f.user_id AS id FROM follows f WHERE f.artist_id = @artist
	UNION
	SELECT m.fan_id FROM subscriptions m WHERE m.artist_id = @artist AND m.status IN @live
), fans AS (
	SELECT CAST(u.country AS TEXT) AS country, u.birth_year, u.time_zone,
		COALESCE(m.tier, @follower) AS tier,
		EXISTS (SELECT 1 FROM engagement_events e
			WHERE e.artist_id = @artist AND e.user_id = a.id AND e.at >= @from AND e.at < @until) AS active
	FROM audience a
	JOIN users u ON u.id = a.id
	LEFT JOIN subscriptions m ON m.artist_id = @artist AND m.fan_id = a.id AND m.status IN @live
)
SELECT 'country' AS breakdown, COALESCE(country, '') AS label, count(*) AS count FROM fans GROUP BY country
UNION ALL
SELECT 'birth_year', COALESCE(CAST(birth_year AS TEXT), ''), count(*) FROM fans GROUP BY birth_year
UNION ALL
SELECT 'time_zone', time_zone, count(*) FROM fans GROUP BY time_zone
UNION ALL
SELECT 'tier', tier, count(*) FROM fans GROUP BY tier
UNION ALL
SELECT 'activity', CASE WHEN active THEN 'active' ELSE 'dormant' END, count(*) FROM fans GROUP BY active`

// AudienceCounts counts the artist's audience now (followers and live
// members, each once) by country, birth year, time zone and tier, and by
// activity in [from, until), in one query: the breakdowns' groups, each
// its own row (docs/analytics.md, "Audience"). Only the activity rows
// depend on the window.
func (s *Store) AudienceCounts(ctx context.Context, artistID uuid.UUID, from, until time.Time) ([]AudienceCount, error) {
	var out []AudienceCount
	err := s.DB(ctx).Raw(audienceCounts, map[string]any{
		"artist": artistID, "live": models.GrantingStatuses, "follower": models.TierFollower,
		"from": from.UTC(), "until": until.UTC(),
	}).Scan(&out).Error
	return out, err
}
