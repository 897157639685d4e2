package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

type audienceGroup struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

type audienceAnswer struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	K          int             `json:"k"`
	Total      int             `json:"total"`
	Suppressed bool            `json:"suppressed"`
	Countries  []audienceGroup `json:"countries"`
	AgeBands   []audienceGroup `json:"age_bands"`
	TimeZones  []audienceGroup `json:"time_zones"`
	Tiers      []audienceGroup `json:"tiers"`
	Activity   []audienceGroup `json:"activity"`
}

func (a audienceAnswer) breakdowns() map[string][]audienceGroup {
	return map[string][]audienceGroup{"countries": a.Countries, "age_bands": a.AgeBands, "time_zones": a.TimeZones, "tiers": a.Tiers, "activity": a.Activity}
}

// The audience route against the three ways of singling out one fan, on
// a club of 23: 12 followers from Norway (10 of them played on day d1),
// 10 from Sweden, and one superfan from Iceland, born 1950, in
// Atlantic/Reykjavik, the only one active on day d2 (the day after d1).
// The followers are written through the store, as many fans would take
// long to register; the superfan joins through the membership workflow.
// Whatever is asked, nothing about the superfan shows: no figure under 10.
func TestAudienceRoute(t *testing.T) {
	c := newClub(t)
	st := c.app.Platform.Store
	ctx := t.Context()
	artistID := mustUUID(t, c.artist.User.ID)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	d1, d2 := today.AddDate(0, 0, -40), today.AddDate(0, 0, -39)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }

	var events []models.EngagementEvent
	fan := func(name, country string, born int, tz string) *models.User {
		t.Helper()
		u := &models.User{ID: models.NewID(), Email: name + "-" + models.NewID().String() + "@example.com", PasswordHash: "x",
			Role: models.RoleFan, DisplayName: name, Country: &country, BirthYear: &born, TimeZone: tz}
		require.NoError(t, st.CreateUser(ctx, u, nil))
		_, _, err := st.Follow(ctx, u.ID, artistID)
		require.NoError(t, err)
		return u
	}
	for i := range 12 {
		f := fan(fmt.Sprint("no", i), "NO", 1990, "Europe/Oslo")
		if i < 10 {
			events = append(events, models.EngagementEvent{ID: models.NewID(), UserID: f.ID, ArtistID: artistID, Action: models.ActionPlay, Amount: 1, At: d1.Add(12 * time.Hour)})
		}
	}
	for i := range 10 {
		fan(fmt.Sprint("se", i), "SE", 2000, "Europe/Stockholm")
	}
	lone := c.member(t, "Lone", models.TierSuperfan)
	r := c.app.Do(t, http.MethodPatch, "/api/me", lone.AccessToken, map[string]any{"country": "IS", "birth_year": 1950, "time_zone": "Atlantic/Reykjavik"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	events = append(events, models.EngagementEvent{ID: models.NewID(), UserID: mustUUID(t, lone.User.ID), ArtistID: artistID, Action: models.ActionPlay, Amount: 1, At: d2.Add(12 * time.Hour)})
	_, err := st.AppendEngagement(ctx, events)
	require.NoError(t, err)

	path := "/api/artists/" + c.artist.User.ID + "/analytics/audience"
	ask := func(query string) audienceAnswer {
		t.Helper()
		r := c.app.Do(t, http.MethodGet, path+query, c.artist.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var a audienceAnswer
		r.Decode(t, &a)
		require.Equal(t, 23, a.Total)
		require.False(t, a.Suppressed)
		for name, groups := range a.breakdowns() {
			sum := 0
			for _, g := range groups {
				require.GreaterOrEqual(t, g.Count, 10, "%s%s: %s %v", path, query, name, groups)
				require.NotContains(t, []string{"IS", "65+", "Atlantic/Reykjavik", "superfan"}, g.Label, "%s%s: %s", path, query, name)
				sum += g.Count
			}
			require.Equal(t, 23, sum, "%s: everyone once", name)
		}
		return a
	}

	// (1) Narrowing the range to d2, when the superfan alone was active:
	// one active fan is merged, and so the activity is one group.
	lonely := ask("?from=" + day(d2) + "&to=" + day(d2))
	require.Equal(t, []audienceGroup{{"other", 23}}, lonely.Activity)

	// (2) Differencing [d1, d2] and [d1, d1]: the breakdowns of who the
	// fans are do not move with the range; only the activity split does,
	// and it is crossed with nothing, so the one more active fan has no
	// country, age, time zone or tier.
	wide, narrow := ask("?from="+day(d1)+"&to="+day(d2)), ask("?from="+day(d1)+"&to="+day(d1))
	require.Equal(t, []audienceGroup{{"active", 11}, {"dormant", 12}}, wide.Activity)
	require.Equal(t, []audienceGroup{{"active", 10}, {"dormant", 13}}, narrow.Activity)
	require.Equal(t, []audienceGroup{{"NO", 12}, {"other", 11}}, wide.Countries) // SE merged with IS
	require.Equal(t, []audienceGroup{{"other", 23}}, wide.Tiers)                 // followers merged with the superfan
	byDefault := ask("")
	require.Equal(t, day(today), byDefault.To)
	require.Equal(t, day(today.AddDate(0, 0, -29)), byDefault.From)
	for _, other := range []audienceAnswer{narrow, lonely, byDefault} {
		require.Equal(t, wide.Countries, other.Countries)
		require.Equal(t, wide.AgeBands, other.AgeBands)
		require.Equal(t, wide.TimeZones, other.TimeZones)
		require.Equal(t, wide.Tiers, other.Tiers)
	}

	// (3) Combining filters: there are none, and asking is a 400 naming the
	// first, not an answer that ignores it.
	for query, field := range map[string]string{
		"?country=NO&tier=superfan": "country",
		"?tier=superfan":            "tier",
		"?from=" + day(d1) + "&to=" + day(d2) + "&country=IS": "country",
		"?age_band=65%2B&time_zone=Atlantic/Reykjavik":        "age_band",
		"?active=true":            "active",
		"?fan_id=" + lone.User.ID: "fan_id",
	} {
		requireField(t, c.app.Do(t, http.MethodGet, path+query, c.artist.AccessToken, nil), field)
	}

	// As CSV, one table, the answer of [d1, d2].
	req, err := http.NewRequest(http.MethodGet, c.app.URL+path+"?from="+day(d1)+"&to="+day(d2), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.artist.AccessToken)
	req.Header.Set("Accept", "text/csv")
	csv := c.app.Send(t, req)
	require.Equal(t, http.StatusOK, csv.Status, string(csv.Body))
	require.Equal(t, "text/csv; charset=utf-8", csv.Header.Get("Content-Type"))
	require.Regexp(t, `^attachment; filename="audience-[a-z0-9-]+-`+day(d1)+`-`+day(d2)+`\.csv"$`, csv.Header.Get("Content-Disposition"))
	want := []string{"breakdown,label,count", "total,audience,23"}
	for _, part := range []struct {
		name   string
		groups []audienceGroup
	}{{"country", wide.Countries}, {"age_band", wide.AgeBands}, {"time_zone", wide.TimeZones}, {"tier", wide.Tiers}, {"activity", wide.Activity}} {
		for _, g := range part.groups {
			want = append(want, fmt.Sprintf("%s,%s,%d", part.name, g.Label, g.Count))
		}
	}
	require.Equal(t, strings.Join(want, "\n")+"\n", string(csv.Body))

	// Who may ask: the artist and admins; to a fan or another artist there
	// is no such thing. Another artist's own audience, under 10, is
	// suppressed.
	require.Equal(t, 23, func() int {
		r := c.app.Do(t, http.MethodGet, path, registerAdmin(t, c.app).AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var a audienceAnswer
		r.Decode(t, &a)
		return a.Total
	}())
	other := c.app.Register(t, "artist", "Elsewhere")
	for name, token := range map[string]string{"the superfan": lone.AccessToken, "another artist": other.AccessToken} {
		r := c.app.Do(t, http.MethodGet, path, token, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, "not_found", r.ErrorCode(t), name)
	}
	r = c.app.Do(t, http.MethodGet, "/api/artists/"+other.User.ID+"/analytics/audience", other.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.JSONEq(t, fmt.Sprintf(`{"from":%q,"to":%q,"k":10,"total":0,"suppressed":true,"countries":[],"age_bands":[],"time_zones":[],"tiers":[],"activity":[]}`,
		day(today.AddDate(0, 0, -29)), day(today)), string(r.Body))

	// Bad ranges, refused naming the field.
	for query, field := range map[string]string{
		"?from=" + day(d2) + "&to=" + day(d1): "to", // reversed
		"?from=2024-01-01&to=2026-01-01":      "to", // over 24 months
		"?from=2026-02-30":                    "from",
		"?to=2026-06":                         "to",
	} {
		requireField(t, c.app.Do(t, http.MethodGet, path+query, c.artist.AccessToken, nil), field)
	}
}
