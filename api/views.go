package api

import (
	"time"

	"github.com/fanfare/fanfare/models"
)

// JSON views of the models: snake_case, ids as strings, times in UTC.

type userView struct {
	ID          string      `json:"id"`
	Email       string      `json:"email"`
	Role        models.Role `json:"role"`
	DisplayName string      `json:"display_name"`
	Country     *string     `json:"country"`
	BirthYear   *int        `json:"birth_year"`
	TimeZone    string      `json:"time_zone"`
	// LeaderboardHidden: off artists' public leaderboards.
	LeaderboardHidden bool      `json:"leaderboard_hidden"`
	CreatedAt         time.Time `json:"created_at"`
}

func viewUser(u *models.User) userView {
	return userView{
		ID: u.ID.String(), Email: u.Email, Role: u.Role, DisplayName: u.DisplayName,
		Country: u.Country, BirthYear: u.BirthYear, TimeZone: u.TimeZone, LeaderboardHidden: u.LeaderboardHidden, CreatedAt: u.CreatedAt.UTC(),
	}
}

type artistView struct {
	ID            string `json:"id"`
	Slug          string `json:"slug"`
	Name          string `json:"name"`
	Bio           string `json:"bio"`
	AvatarURL     string `json:"avatar_url"`
	FollowerCount int64  `json:"follower_count"`
	Following     *bool  `json:"following,omitempty" description:"Whether the caller follows the artist; only when signed in."`
}

func viewArtist(a *models.Artist) artistView {
	return artistView{
		ID: a.ID.String(), Slug: a.Slug, Name: a.Name, Bio: a.Bio,
		AvatarURL: a.AvatarURL, FollowerCount: a.FollowerCount,
	}
}
