package cardverify

// texts are the sandbox page's words in one language.
type texts struct {
	Sandbox, Title, Intro                       string
	CardNumber, Expiry, ExpiryHint, CVC         string
	Verify, Cancel                              string
	TestCards, Approved, Declined               string
	Expired, Ended, NotFound, FormExpired, Back string
	errors                                      map[string]string
}

// pageTexts holds the page in each of the document's languages (domain.CardVerificationLanguages).
var pageTexts = map[string]texts{
	"en-US": {
		Sandbox: "Sandbox", Title: "Register your card",
		Intro:      "This is a test environment: enter one of the test cards below. The card is verified without reserving or charging any amount.",
		CardNumber: "Card number", Expiry: "Expiry date", ExpiryHint: "MM/YY", CVC: "Security code (CVC)",
		Verify: "Verify card", Cancel: "Cancel",
		TestCards: "Test cards", Approved: "verified", Declined: "declined",
		Expired: "This card registration has expired.", Ended: "This card registration has already ended.",
		NotFound:    "This card registration link is not valid.",
		FormExpired: "This form is no longer valid. Reload the page and try again.", Back: "Back",
		errors: map[string]string{
			errNumber: "Enter a card number of 13 to 19 digits.", errNotValid: "This card number is not valid. Check that you entered it correctly.",
			errNotTestCard: "This is not a test card. Use one of the test cards below.",
			errExpiry:      "Enter the expiry date as MM/YY.", errExpired: "The card has expired.", errCVC: "Enter the 3-digit security code.",
			errConsentOver: "The consent would end before it starts: its expiry month is over.",
			errRefused:     "The card could not be registered. Check the details and try again.",
		},
	},
	"sv-SE": {
		Sandbox: "Testmiljö", Title: "Registrera ditt kort",
		Intro:      "Det här är en testmiljö: ange ett av testkorten nedan. Kortet verifieras utan att något belopp reserveras eller dras.",
		CardNumber: "Kortnummer", Expiry: "Giltigt till", ExpiryHint: "MM/ÅÅ", CVC: "Säkerhetskod (CVC)",
		Verify: "Verifiera kortet", Cancel: "Avbryt",
		TestCards: "Testkort", Approved: "verifieras", Declined: "nekas",
		Expired: "Kortregistreringen har gått ut.", Ended: "Kortregistreringen är redan avslutad.",
		NotFound:    "Länken till kortregistreringen är inte giltig.",
		FormExpired: "Formuläret är inte längre giltigt. Ladda om sidan och försök igen.", Back: "Tillbaka",
		errors: map[string]string{
			errNumber: "Ange ett kortnummer med 13 till 19 siffror.", errNotValid: "Kortnumret är inte giltigt. Kontrollera att du har skrivit det rätt.",
			errNotTestCard: "Det här är inget testkort. Använd ett av testkorten nedan.",
			errExpiry:      "Ange giltighetstiden som MM/ÅÅ.", errExpired: "Kortets giltighetstid har gått ut.", errCVC: "Ange den tresiffriga säkerhetskoden.",
			errConsentOver: "Medgivandet skulle upphöra innan det börjar gälla: dess sista giltighetsmånad har passerat.",
			errRefused:     "Kortet kunde inte registreras. Kontrollera uppgifterna och försök igen.",
		},
	},
	"nb-NO": {
		Sandbox: "Testmiljø", Title: "Registrer kortet ditt",
		Intro:      "Dette er et testmiljø: oppgi et av testkortene nedenfor. Kortet verifiseres uten at noe beløp reserveres eller trekkes.",
		CardNumber: "Kortnummer", Expiry: "Utløpsdato", ExpiryHint: "MM/ÅÅ", CVC: "Sikkerhetskode (CVC)",
		Verify: "Verifiser kortet", Cancel: "Avbryt",
		TestCards: "Testkort", Approved: "verifiseres", Declined: "avvises",
		Expired: "Kortregistreringen er utløpt.", Ended: "Kortregistreringen er allerede avsluttet.",
		NotFound:    "Lenken til kortregistreringen er ikke gyldig.",
		FormExpired: "Skjemaet er ikke lenger gyldig. Last inn siden på nytt og prøv igjen.", Back: "Tilbake",
		errors: map[string]string{
			errNumber: "Oppgi et kortnummer med 13 til 19 sifre.", errNotValid: "Kortnummeret er ikke gyldig. Kontroller at du har skrevet det riktig.",
			errNotTestCard: "Dette er ikke et testkort. Bruk et av testkortene nedenfor.",
			errExpiry:      "Oppgi utløpsdatoen som MM/ÅÅ.", errExpired: "Kortet er utløpt.", errCVC: "Oppgi den tresifrede sikkerhetskoden.",
			errConsentOver: "Samtykket ville opphøre før det trer i kraft: utløpsmåneden er passert.",
			errRefused:     "Kortet kunne ikke registreres. Kontroller opplysningene og prøv igjen.",
		},
	},
	"da-DK": {
		Sandbox: "Testmiljø", Title: "Registrer dit kort",
		Intro:      "Dette er et testmiljø: indtast et af testkortene nedenfor. Kortet verificeres, uden at der reserveres eller trækkes et beløb.",
		CardNumber: "Kortnummer", Expiry: "Udløbsdato", ExpiryHint: "MM/ÅÅ", CVC: "Sikkerhedskode (CVC)",
		Verify: "Verificer kortet", Cancel: "Annuller",
		TestCards: "Testkort", Approved: "verificeres", Declined: "afvises",
		Expired: "Kortregistreringen er udløbet.", Ended: "Kortregistreringen er allerede afsluttet.",
		NotFound:    "Linket til kortregistreringen er ikke gyldigt.",
		FormExpired: "Formularen er ikke længere gyldig. Genindlæs siden, og prøv igen.", Back: "Tilbage",
		errors: map[string]string{
			errNumber: "Indtast et kortnummer på 13 til 19 cifre.", errNotValid: "Kortnummeret er ikke gyldigt. Kontrollér, at du har skrevet det korrekt.",
			errNotTestCard: "Dette er ikke et testkort. Brug et af testkortene nedenfor.",
			errExpiry:      "Indtast udløbsdatoen som MM/ÅÅ.", errExpired: "Kortet er udløbet.", errCVC: "Indtast den trecifrede sikkerhedskode.",
			errConsentOver: "Samtykket ville udløbe, før det træder i kraft: udløbsmåneden er passeret.",
			errRefused:     "Kortet kunne ikke registreres. Kontrollér oplysningerne, og prøv igen.",
		},
	},
	"fi-FI": {
		Sandbox: "Testiympäristö", Title: "Rekisteröi korttisi",
		Intro:      "Tämä on testiympäristö: syötä jokin alla olevista testikorteista. Kortti tarkistetaan varaamatta tai veloittamatta mitään summaa.",
		CardNumber: "Kortin numero", Expiry: "Voimassaolo", ExpiryHint: "KK/VV", CVC: "Turvakoodi (CVC)",
		Verify: "Tarkista kortti", Cancel: "Peruuta",
		TestCards: "Testikortit", Approved: "hyväksytään", Declined: "hylätään",
		Expired: "Korttirekisteröinti on vanhentunut.", Ended: "Korttirekisteröinti on jo päättynyt.",
		NotFound:    "Korttirekisteröinnin linkki ei ole voimassa.",
		FormExpired: "Lomake ei ole enää voimassa. Lataa sivu uudelleen ja yritä uudelleen.", Back: "Takaisin",
		errors: map[string]string{
			errNumber: "Syötä 13–19-numeroinen kortin numero.", errNotValid: "Kortin numero ei ole kelvollinen. Tarkista, että kirjoitit sen oikein.",
			errNotTestCard: "Tämä ei ole testikortti. Käytä jotakin alla olevista testikorteista.",
			errExpiry:      "Syötä voimassaoloaika muodossa KK/VV.", errExpired: "Kortti on vanhentunut.", errCVC: "Syötä kolminumeroinen turvakoodi.",
			errConsentOver: "Suostumus päättyisi ennen kuin se tulee voimaan: sen viimeinen voimassaolokuukausi on jo mennyt.",
			errRefused:     "Korttia ei voitu rekisteröidä. Tarkista tiedot ja yritä uudelleen.",
		},
	},
}

// textsFor returns the page's texts in a language (English for any other).
func textsFor(lang string) (string, texts) {
	if t, ok := pageTexts[lang]; ok {
		return lang, t
	}
	return "en-US", pageTexts["en-US"]
}
