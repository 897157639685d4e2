package models_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

func TestCanAccessEveryTierResourceAndTime(t *testing.T) {
	artist, fan := models.NewID(), models.NewID()
	public := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	times := map[string]time.Time{
		"3 days before": public.Add(-72 * time.Hour),
		"36 h before":   public.Add(-36 * time.Hour),
		"12 h before":   public.Add(-12 * time.Hour),
		"public":        public,
		"a day after":   public.Add(24 * time.Hour),
	}
	type res struct {
		name string
		r    models.Resource
	}
	at := func(t time.Time) *time.Time { return &t }
	resources := []res{
		{"public content", models.Resource{Kind: models.ResourceContent}},
		{"scheduled release", models.Resource{Kind: models.ResourceContent, PublicAt: &public}},
		{"exclusive track", models.Resource{Kind: models.ResourceContent, MinTier: models.TierSupporter}},
		{"superfan-only release", models.Resource{Kind: models.ResourceContent, MinTier: models.TierSuperfan, PublicAt: at(public)}},
		{"supporter-only release", models.Resource{Kind: models.ResourceContent, MinTier: models.TierSupporter, PublicAt: at(public)}},
		{"public party", models.Resource{Kind: models.ResourceParty}},
		{"members party", models.Resource{Kind: models.ResourceParty, MinTier: models.TierSupporter}},
		{"qa", models.Resource{Kind: models.ResourceQA}},
		{"dm", models.Resource{Kind: models.ResourceDM}},
		{"backstage", models.Resource{Kind: models.ResourceBackstage}},
		{"live session", models.Resource{Kind: models.ResourceLiveSession}},
		{"unknown tier", models.Resource{Kind: models.ResourceContent, MinTier: "platinum"}},
	}
	// want[resource][tier] for every time, except the scheduled releases, below.
	want := map[string][3]bool{ // follower, supporter, superfan
		"public content":  {true, true, true},
		"exclusive track": {false, true, true},
		"public party":    {true, true, true},
		"members party":   {false, true, true},
		"qa":              {false, true, true},
		"dm":              {false, false, true},
		"backstage":       {false, false, true},
		"live session":    {false, false, true},
		"unknown tier":    {false, false, false},
	}
	scheduled := map[string][3]bool{
		"3 days before": {false, false, false},
		"36 h before":   {false, false, true},
		"12 h before":   {false, true, true},
		"public":        {true, true, true},
		"a day after":   {true, true, true},
	}
	supporterOnly := map[string][3]bool{
		"3 days before": {false, false, false},
		"36 h before":   {false, false, true},
		"12 h before":   {false, true, true},
		"public":        {false, true, true},
		"a day after":   {false, true, true},
	}
	superfanOnly := map[string][3]bool{
		"3 days before": {false, false, false},
		"36 h before":   {false, false, true},
		"12 h before":   {false, false, true},
		"public":        {false, false, true},
		"a day after":   {false, false, true},
	}
	covered := map[models.ResourceKind]bool{}
	for _, r := range resources {
		covered[r.r.Kind] = true
		r.r.ArtistID = artist
		for when, now := range times {
			for i, tier := range []models.Tier{models.TierFollower, models.TierSupporter, models.TierSuperfan} {
				expect := want[r.name][i]
				switch r.name {
				case "scheduled release":
					expect = scheduled[when][i]
				case "superfan-only release":
					expect = superfanOnly[when][i]
				case "supporter-only release":
					expect = supporterOnly[when][i]
				}
				t.Run(fmt.Sprintf("%s/%s/%s", r.name, tier, when), func(t *testing.T) {
					v := models.Viewer{UserID: fan, Role: models.RoleFan, Tier: tier}
					require.Equal(t, expect, models.CanAccess(v, r.r, now))
					requireAvailableAtAgrees(t, v, r.r, now)
				})
			}
			t.Run(r.name+"/artist and admin/"+when, func(t *testing.T) {
				require.True(t, models.CanAccess(models.Viewer{UserID: artist, Role: models.RoleArtist, Tier: models.TierFollower}, r.r, now))
				require.True(t, models.CanAccess(models.Viewer{UserID: fan, Role: models.RoleAdmin}, r.r, now))
				requireAvailableAtAgrees(t, models.Viewer{UserID: artist, Role: models.RoleArtist, Tier: models.TierFollower}, r.r, now)
				requireAvailableAtAgrees(t, models.Viewer{UserID: fan, Role: models.RoleAdmin}, r.r, now)
			})
		}
	}
	for _, k := range models.ResourceKinds {
		require.True(t, covered[k], "no row for %s", k)
	}
	require.False(t, models.CanAccess(models.Viewer{UserID: fan, Tier: "gold"}, models.Resource{Kind: models.ResourceContent, ArtistID: artist}, public))
}

// requireAvailableAtAgrees checks AvailableAt against CanAccess at now and
// on either side of the instant it names.
func requireAvailableAtAgrees(t *testing.T, v models.Viewer, r models.Resource, now time.Time) {
	t.Helper()
	at, ok := models.AvailableAt(v, r)
	require.Equal(t, ok && !now.Before(at), models.CanAccess(v, r, now), "AvailableAt %v %v at %v", at, ok, now)
	if ok && !at.IsZero() {
		require.True(t, models.CanAccess(v, r, at), "open at %v", at)
		require.False(t, models.CanAccess(v, r, at.Add(-time.Nanosecond)), "closed just before %v", at)
	}
}

// Locked names the lowest tier let in now and when the viewer's opens.
func TestLockedNamesTheTierAndTime(t *testing.T) {
	public := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	release := models.Resource{Kind: models.ResourceContent, ArtistID: models.NewID(), PublicAt: &public}
	follower := models.Viewer{UserID: models.NewID(), Role: models.RoleFan, Tier: models.TierFollower}
	e := models.Locked(follower, release, public.Add(-36*time.Hour))
	require.Equal(t, models.CodeForbidden, e.Code)
	require.Equal(t, models.TierSuperfan, e.RequiredTier, "only superfans are in 36 h before")
	require.Equal(t, public, e.AvailableAt)
	e = models.Locked(follower, release, public.Add(-72*time.Hour))
	require.Equal(t, models.TierFollower, e.RequiredTier, "no tier is in yet: the content's own")

	exclusive := models.Resource{Kind: models.ResourceContent, ArtistID: release.ArtistID, MinTier: models.TierSuperfan}
	e = models.Locked(models.Viewer{Tier: models.TierSupporter}, exclusive, public)
	require.Equal(t, models.TierSuperfan, e.RequiredTier)
	require.True(t, e.AvailableAt.IsZero(), "never at their tier")
}

func TestTermsPriceAndQuota(t *testing.T) {
	d := models.DefaultTerms()
	require.EqualValues(t, 0, d.Price(models.TierFollower))
	require.EqualValues(t, 500, d.Price(models.TierSupporter))
	require.EqualValues(t, 1000, d.Price(models.TierSuperfan))
	require.Equal(t, 0, d.Quota(models.TierSupporter))
	require.Equal(t, 5, d.Quota(models.TierSuperfan))
	d.DMQuota = 9
	require.Equal(t, 9, d.Quota(models.TierSuperfan))
	require.True(t, models.TierSuperfan.Paid())
	require.False(t, models.TierFollower.Paid())
	require.Equal(t, -1, models.Tier("gold").Rank())
}
