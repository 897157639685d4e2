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
	}
	superfanOnly := map[string][3]bool{
		"3 days before": {false, false, false},
		"36 h before":   {false, false, true},
		"12 h before":   {false, false, true},
		"public":        {false, false, true},
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
				}
				t.Run(fmt.Sprintf("%s/%s/%s", r.name, tier, when), func(t *testing.T) {
					require.Equal(t, expect, models.CanAccess(models.Viewer{UserID: fan, Role: models.RoleFan, Tier: tier}, r.r, now))
				})
			}
			t.Run(r.name+"/artist and admin/"+when, func(t *testing.T) {
				require.True(t, models.CanAccess(models.Viewer{UserID: artist, Role: models.RoleArtist, Tier: models.TierFollower}, r.r, now))
				require.True(t, models.CanAccess(models.Viewer{UserID: fan, Role: models.RoleAdmin}, r.r, now))
			})
		}
	}
	for _, k := range models.ResourceKinds {
		require.True(t, covered[k], "no row for %s", k)
	}
	require.False(t, models.CanAccess(models.Viewer{UserID: fan, Tier: "gold"}, models.Resource{Kind: models.ResourceContent, ArtistID: artist}, public))
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
