package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
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
		if _, err := st.Follow(ctx, fan.ID, artist.ID); err != nil {
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
		club.ExclusiveContent = []models.ClubContent{{Title: "Night Drive (demo)", MinTier: models.TierSupporter}}
		club.Milestones = []models.ClubMilestone{{Title: "100 members", Members: 100, Reward: "a live session"}}
		club.UpdatedAt = time.Now().UTC()
		if err := st.SaveClub(ctx, club); err != nil {
			return fmt.Errorf("seed club: %w", err)
		}
	}
	fmt.Fprintf(out, "Demo logins (password %q):\n", Password)
	for _, a := range Accounts {
		fmt.Fprintf(out, "  %-7s %s\n", a.Role, a.Email)
	}
	return nil
}
