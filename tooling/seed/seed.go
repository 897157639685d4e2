package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// ErrProduction refuses demo accounts, whose password is public, in production.
var ErrProduction = errors.New("seed: refusing to load demo accounts with a public password into production (FANFARE_ENV=production)")

// Password is the password of every demo account.
const Password = "encore-until-dawn"

// Account is one demo login.
type Account struct {
	Email, Name string
	Role        models.Role
}

// Accounts are the demo logins; the first is the artist.
var Accounts = []Account{
	{"nova@fanfare.test", "Nova Lights", models.RoleArtist},
	{"ana@fanfare.test", "Ana", models.RoleFan},
	{"ben@fanfare.test", "Ben", models.RoleFan},
	{"cleo@fanfare.test", "Cleo", models.RoleFan},
}

// Run creates the demo accounts that are missing and prints the logins to out.
func Run(ctx context.Context, st *store.Store, out io.Writer) error {
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return err
	}
	ids := make([]models.User, len(Accounts))
	for i, a := range Accounts {
		u, err := st.UserByEmail(ctx, a.Email)
		if models.ErrorCode(err) == models.CodeNotFound {
			u = &models.User{ID: models.NewID(), Email: a.Email, PasswordHash: hash, Role: a.Role,
				DisplayName: a.Name, TimeZone: "Europe/Paris"}
			var artist *models.Artist
			if a.Role == models.RoleArtist {
				artist = &models.Artist{Name: a.Name, Slug: auth.Slug(a.Name), Bio: "Synth-pop from Lyon."}
			}
			err = st.CreateUser(ctx, u, artist)
		}
		if err != nil {
			return fmt.Errorf("seed %s: %w", a.Email, err)
		}
		ids[i] = *u
	}
	artist := ids[0]
	for _, fan := range ids[1:] {
		if _, _, err := st.Follow(ctx, fan.ID, artist.ID); err != nil {
			return fmt.Errorf("seed follow: %w", err)
		}
	}
	club, err := st.Club(ctx, artist.ID)
	if err != nil {
		return err
	}
	if club.UpdatedAt.IsZero() { // never set up: the demo club
		club.Description = "Early demos, the monthly Q&A and, for superfans, a line to Nova."
		club.WelcomeMessage = "Welcome backstage!"
		club.Milestones = []models.ClubMilestone{{Title: "100 members", Members: 100, Reward: "a live session"}}
		club.UpdatedAt = time.Now().UTC()
		if err := st.SaveClub(ctx, club); err != nil {
			return fmt.Errorf("seed club: %w", err)
		}
		if err := seedContent(ctx, st, artist.ID, club.UpdatedAt); err != nil {
			return fmt.Errorf("seed content: %w", err)
		}
	}
	fmt.Fprintf(out, "Demo logins (password %q):\n", Password)
	for _, a := range Accounts {
		fmt.Fprintf(out, "  %-7s %s\n", a.Role, a.Email)
	}
	return nil
}

// seedContent gives the demo club an exclusive demo, a public post, a
// superfan video and a release three days ahead (inside no window yet).
func seedContent(ctx context.Context, st *store.Store, artistID uuid.UUID, now time.Time) error {
	release := now.Add(72 * time.Hour).Truncate(time.Hour)
	items := []models.Content{
		{Kind: models.ContentTrack, Title: "Night Drive (demo)", DurationSeconds: 214, MinTier: models.TierSupporter},
		{Kind: models.ContentPost, Title: "Tour diary: Lisbon", Body: "Thank you Lisbon! New songs soon.", MinTier: models.TierFollower},
		{Kind: models.ContentVideo, Title: "Studio session", DurationSeconds: 1260, MinTier: models.TierSuperfan},
		{Kind: models.ContentTrack, Title: "Afterglow (single)", DurationSeconds: 187, MinTier: models.TierFollower, PublicAt: &release},
	}
	for i := range items {
		c := &items[i]
		c.ID, c.ArtistID = models.NewID(), artistID
		c.CreatedAt = now.Add(time.Duration(i) * time.Millisecond) // the list shows them newest first
		c.UpdatedAt = c.CreatedAt
		if err := st.CreateContent(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// StartWorkflows starts for the demo what the api starts for a real club:
// the ReleaseWorkflow of each scheduled item and the monthly Q&A schedule.
// It needs a running worker (a release is scheduled by an update), so
// `fanfare dev` calls it once the platform runs; calling it again changes
// nothing.
func StartWorkflows(ctx context.Context, st *store.Store, wf workflows.Conn, now time.Time) error {
	artist, err := st.UserByEmail(ctx, Accounts[0].Email)
	if err != nil {
		return err
	}
	if err := (workflows.QAClient{Conn: wf}).EnsureSchedule(ctx, artist.ID); err != nil {
		return fmt.Errorf("seed Q&A schedule: %w", err)
	}
	items, _, err := st.Contents(ctx, artist.ID, "", 50)
	if err != nil {
		return err
	}
	for _, c := range items {
		if c.PublicAt == nil || !c.PublicAt.After(now) {
			continue
		}
		r := models.Release{ContentID: c.ID, ArtistID: artist.ID, Title: c.Title, PublicAt: *c.PublicAt}
		if _, err := (workflows.ReleaseClient{Conn: wf}).Schedule(ctx, r, now); err != nil {
			return fmt.Errorf("seed release %s: %w", c.Title, err)
		}
	}
	return nil
}
