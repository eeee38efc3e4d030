"""Every word a caseworker or a citizen reads, in plain Danish, in one place.

Templates reach this module as ``W`` (a Jinja global): ``{{ W.SAVE }}``, ``{{ W.label("goal_status", s) }}``.
Code and comments stay English; nothing Danish is written anywhere else, so the wording can be read, reviewed and
changed as one text. Labels for the API's vocabularies are keyed by the API's own values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

# --- the site ---------------------------------------------------------------------------------------------------
SITE = "Borgerplan"
AUTHORITY = "Københavns Kommune"
AUTHORITY_UNIT = "Socialforvaltningen"
SKIP_LINK = "Gå til sidens indhold"
ACCESSIBILITY_STATEMENT = "Tilgængelighedserklæring"
SIGN_OUT = "Log af"
SIGN_IN = "Log ind"
MENU = "Menu"
MAIN_MENU = "Hovedmenu"
YOU_ARE = "Du er logget ind som"
BACK = "Tilbage"
SAVE = "Gem"
CANCEL = "Annullér"
SHOW = "Vis"
SEARCH = "Søg"
PRINT = "Udskriv"
DOWNLOAD_PDF = "Hent som PDF"
YES = "Ja"
NO = "Nej"
NONE_YET = "Ingen endnu."
NOT_GIVEN = "Ikke udfyldt"
OPTIONAL = "(frivilligt)"
ERROR_PREFIX = "Fejl:"
ERROR_SUMMARY = "Der er problemer"
ERROR_SUMMARY_TEXT = "Ret de felter, der er markeret, og prøv igen. Intet er gemt endnu."
SAVED = "Gemt."
NEXT_PAGE = "Næste side"
FOOTER_CONTACT = "Borgerplan – én plan sammen med borgeren."

# --- navigation ---------------------------------------------------------------------------------------------------
NAV_MY_CITIZENS = "Mine borgere"
NAV_REGISTER = "Registrér borger"
NAV_DEADLINES = "Frister og opgaver"
NAV_MY_PLAN = "Min plan"
NAV_MY_MEETINGS = "Mine møder"
NAV_MY_CONSENTS = "Mine samtykker"
NAV_WHO_LOOKED = "Hvem har kigget"
NAV_PLAN = "Planen"
NAV_NETWORK_MEETING = "Netværksmødet"
NAV_MEETINGS = "Møder"
NAV_CONSENTS = "Samtykker"
NAV_HISTORY = "Historik"
NAV_PRINT = "Udskriv og PDF"
CITIZEN_SECTIONS = "Borgerens sider"

# --- signing in -------------------------------------------------------------------------------------------------
SIGN_IN_TITLE = "Log ind på Borgerplan"
SIGN_IN_STAFF = "Log ind som medarbejder"
SIGN_IN_CITIZEN = "Log ind som borger"
SIGN_IN_PROVIDER = {"staff": SIGN_IN_STAFF, "citizen": SIGN_IN_CITIZEN}
DEV_SIGN_IN_TITLE = "Log ind til udvikling og test"
DEV_SIGN_IN_INTRO = "Denne side findes kun i udviklings- og testmiljøet. Vælg en person, så er du logget ind som hende eller ham."
DEV_PERSONAS = "Personer i demo-sagen"
DEV_FREE_FORM = "Log ind som en anden"
DEV_FREE_FORM_INTRO = "Udfyld enhed, enhedstype og roller. Borger-id skal kun udfyldes for en borger."
DEV_SIGN_IN_AS = "Log ind som {name}"
PERSONA_ROLES = {
    "caseworker": "sagsbehandler, {unit}",
    "addiction_caseworker": "sagsbehandler, {unit}",
    "contact_person": "kontaktperson, {unit}",
    "treatment": "behandler, {unit}",
    "citizen": "borgeren i demo-sagen",
}
DEMO_CITIZEN_NAME = "Demo Borger"
DEMO_CITIZEN_MISSING = "Demo-borgeren er ikke indlæst endnu. Skriv borger-id nedenfor."
SIGNED_OUT = "Du er logget af."
SESSION_EXPIRED = "Du har ikke brugt siden i et stykke tid, så du er logget af. Log ind igen."
SIGN_IN_FAILED = "Log ind lykkedes ikke. Prøv igen."
NO_SIGN_IN_CONFIGURED = "Der er ikke sat et login op. Kontakt din it-afdeling."

# --- pages: staff -------------------------------------------------------------------------------------------------
MY_CITIZENS_TITLE = "Mine borgere"
MY_CITIZENS_INTRO = "Borgere, som din enhed har ansvaret for eller er med omkring. Dem med overskredne frister står øverst, derefter efter navn."
FIND_BY_NAME = "Find borger ud fra navn"
FIND_BY_CPR = "Slå op på CPR-nummer"
FIND_BY_CPR_HINT = "Kun for myndighed. Opslaget bliver logget."
CPR = "CPR-nummer"
CPR_HINT = "10 cifre, fx 010190-1234"
NAME = "Navn"
BIRTH_DATE = "Fødselsdato"
RELATION = "Din enheds rolle"
RELATION_LABEL = {"responsible": "Ansvarlig myndighed", "actor": "Samarbejdspartner"}
NEXT_MEETING = "Næste møde"
OVERDUE = "Overskredet"
OVERDUE_COUNT = "{n} overskredne"
OPEN_TASKS = "Åbne opgaver"
NO_CITIZENS = "Din enhed har ingen borgere endnu."
NO_MATCH = "Ingen borgere passer på søgningen."
NAME_WITHHELD = "Navn skjult (intet samtykke)"
NO_CONSENT_SHORT = "Intet samtykke"
CPR_NOT_FOUND = "Der er ingen borger med det CPR-nummer."
REGISTER_TITLE = "Registrér en borger"
REGISTER_INTRO = "CPR-nummeret gemmes kun i Borgerplan. Andre steder bruges et borger-id."
REGISTER_BUTTON = "Registrér borger"
REGISTERED = "Borgeren er registreret. Nu kan I lave planen."
CITIZEN_EXISTS = "Borgeren er allerede registreret."

# --- the plan -----------------------------------------------------------------------------------------------------
PLAN_TITLE = "Borgerens plan"
NO_PLAN = "Borgeren har ingen plan endnu."
CREATE_PLAN = "Lav planen på netværksmødet"
OWN_WORDS = "Her er mit liv – med borgerens egne ord"
OWN_WORDS_FIELDS = {
    "manage_myself": "Jeg vil gerne selv kunne",
    "i_can": "Jeg kan",
    "dreams": "Mine drømme",
    "interests": "Mine interesser",
}
PURPOSE = "Formålet med indsatsen"
OCCUPIED_WITH = "Hvad er jeg aktuelt optaget af?"
EMPLOYMENT = "Beskæftigelse"
NOTES = "Noter"
PLAN_KIND = "Slags plan"
LEGAL_BASES = "Lovgrundlag"
LEGAL_BASES_HINT = "Vælg fra listen. Skriv andre paragraffer i feltet nedenunder, én pr. linje."
LEGAL_BASES_OTHER = "Andre paragraffer"
RESPONSIBLE_UNIT = "Ansvarlig myndighed"
RESPONSIBLE_UNIT_HINT = "Kun myndighedsenheder kan have ansvaret for planen."
VALIDITY = "Handleplanen gælder"
PLAN_DETAILS = "Plandetaljer: lovgrundlag og gyldighed"
FOLLOW_UP_PERIOD_HINT = "fx hver 3. måned"
VALID_FROM = "Fra"
VALID_TO = "Til"
FOLLOW_UP_PERIOD = "Opfølgning"
GOALS = "Mål"
GOAL = "Mål"
GOAL_N = "Mål {n}"
GOAL_TITLE = "Overskrift"
GOAL_DESCRIPTION = "Målbeskrivelse"
GOAL_CATEGORY = "Slags oplysninger"
GOAL_CATEGORY_HINT = "Bestemmer, hvem der må se målet: kun enheder med samtykke til denne slags oplysninger."
SOF_THEME = "SOF-tema"
VUM_THEME = "Udredningstema (VUM)"
SUB_GOALS = "Delmål (måltrappen)"
SUB_GOALS_HINT = "Ét delmål pr. linje. Første trin først. Sæt [x] foran et delmål, der er nået."
SUB_GOAL_STEP = "{n}. delmål"
LADDER = "Måltrappen"
LADDER_TOP = "Overordnet mål"
LADDER_PROGRESS = "{done} af {total} delmål er nået"
AGREEMENTS = "Aftaler"
AGREEMENT_WHO = "Hvem"
AGREEMENT_WHAT = "Gør hvad"
AGREEMENT_WHEN = "Hvornår"
AGREEMENT_HOW = "Hvordan"
ADD_AGREEMENT = "Tilføj en aftale"
AGREEMENT_N = "Aftale {n}"
NO_AGREEMENTS = "Ingen aftaler endnu."
SCORES = "Scoring"
SCORE_NOW = "Score nu"
SCORE_EXPECTED = "Score forventet"
SCORE_CITIZEN = "Borgerens egen score"
SCORE_SCALE = "Skala"
SCALE_LABEL = {"1-10": "1 til 10", "0-4": "0 til 4 (funktionsniveau)", "words": "Med ord"}
FUNCTION_LEVEL = {
    0: "ingen nedsat funktionsevne",
    1: "let nedsat",
    2: "moderat nedsat",
    3: "svært nedsat",
    4: "fuldstændig nedsat funktionsevne",
}
SCORE_NOW_WORDS = "Score nu med ord"
SCORE_EXPECTED_WORDS = "Forventet med ord"
CITIZEN_DISAGREES = "Borgeren er uenig i scoren"
SCORE_CITIZEN_HINT = (
    "Kun når borgeren er uenig i scoren: så gemmes jeres score, og borgerens egen noteres ved siden af."
)
CITIZEN_VIEW = "Borgerens syn med egne ord"
CITIZEN_DISAGREES_NOTE = "Borgeren er uenig: {view}"
RECORD_SCORE = "Gem scoring"
NO_SCORES = "Ingen scoring endnu."
SCORE_CHART = "Scoring over tid"
SCORE_CHART_DESC = "Score nu, forventet score og borgerens egen score for målet «{title}» over tid."
CHART_NOW = "Nu"
CHART_EXPECTED = "Forventet"
CHART_CITIZEN = "Borgerens egen"
CHART_DATE = "Dato"
STATUS = "Status"
GOAL_STATUS = {
    "baseline": "Udgangspunkt",
    "in_progress": "På vej",
    "achieved": "Nået",
    "no_longer_relevant": "Ikke længere relevant",
}
GOAL_STEP = "Trin {step} af 3"
RECORD_STATUS = "Gem status"
FOLLOW_UPS = "Opfølgning på mål"
FOLLOW_UP_DATE = "Dato"
FOLLOW_UP_TEXT = "Opsummering"
FOLLOW_UP_HINT = "Hvordan det går med målet, og hvad I arbejder på. Ikke dags- eller ugenoter."
ADD_FOLLOW_UP = "Gem opfølgning"
NO_FOLLOW_UPS = "Ingen opfølgning endnu."
LATEST_FOLLOW_UPS = "Seneste opfølgning"
EDIT_GOAL = "Ret målet"
ADD_GOAL = "Tilføj et mål"
GOAL_ADDED = "Målet er tilføjet."
GOAL_SAVED = "Målet er gemt."
WITHHELD_TITLE = "Noget er skjult for dig"
WITHHELD_GOAL = "Skjult: borgeren har ikke givet samtykke til, at din enhed ser oplysninger om {category}."
WITHHELD_MINUTES = {
    "not_published": "Referatet er ikke sendt ud endnu.",
    "no_consent_to_receive_minutes": "Skjult: borgeren har ikke givet samtykke til, at din enhed modtager referater.",
}
WITHHELD_MEETINGS = "Skjult: borgeren har ikke givet samtykke til, at din enhed ser møderne."
DEGRADED_TITLE = "Du ser ikke hele planen lige nu"
DEGRADED_PART = {
    "meetings": "Møderne kunne ikke hentes.",
    "consents": "Samtykkerne kunne ikke hentes.",
    "plans": "Planen kunne ikke hentes.",
}
DEGRADED_TEXT = "Prøv igen om lidt. Indtil da mangler det, der står her."
TASKS = "Opgaver"
DEADLINES = "Frister"
CONSENT_SUMMARY = "Samtykker"

# --- the network meeting ------------------------------------------------------------------------------------------
NETWORK_MEETING_TITLE = "Netværksmødet: lav planen sammen"
NETWORK_MEETING_INTRO = (
    "Her laver I planen sammen med borgeren på mødet: mål, delmål, aftaler og scoring, hvem der er med "
    "omkring borgeren, og hvilke samtykker borgeren giver."
)
STEP_PLAN = "1. Planen"
STEP_GOALS = "2. Mål"
STEP_NETWORK = "3. Netværket"
STEP_CONSENTS = "4. Samtykker"
CREATE_PLAN_BUTTON = "Opret planen"
PLAN_CREATED = "Planen er oprettet."
SAVE_OVERVIEW = "Gem overblikket"
OVERVIEW = "Overblik"
OVERVIEW_SAVED = "Overblikket er gemt."
PLAN_KINDS = {"adult": "Voksne (SEL § 141)", "child": "Børn og unge (SEL § 140)", "unified": "Én plan"}
PLAN_STATUS = {"draft": "Kladde", "active": "Aktiv", "closed": "Lukket"}

# --- the meeting mode (one shared screen) ---------------------------------------------------------------------------
MEETING_MODE = "Mødetilstand"
MODE_START = "Start mødetilstand"
MODE_START_HINT = (
    "Til den fælles skærm på mødet: dagsordenen i siden, ét punkt ad gangen, referatet ved siden af."
)
MODE_LEAVE = "Forlad mødetilstand"
MODE_AGENDA = "Mødets dagsorden"
MODE_PART_OF = "Del {n} af {total}"
MODE_CONSENTS = "Samtykker"
MODE_DETAILS = "Plandetaljer: lovgrundlag og gyldighed"
MODE_PREVIOUS = "Forrige"
MODE_NEXT = "Næste"
MODE_WRITTEN = "skrevet i referatet"
MODE_SCORED = "scoret i dag"
MODE_CURRENT = "du er her"
MODE_OWN_WORDS = "Borgerens egne ord"
MODE_MINUTES_FOR = "Referat: {topic}"
MODE_AIM = "Det skal punktet føre til"
MODE_DECISION = "Beslutning og hvem gør hvad"
MODE_TASKS = "Opgaver aftalt under punktet"
MODE_GOAL_TASKS = "Opgaver aftalt om målene"
MODE_GOAL_TASKS_HINT = (
    "Listen er fælles for alle målene. Det, der aftales om det enkelte mål, skrives i målets aftaler."
)
MODE_NO_LADDER = "Ingen delmål endnu. Skriv dem i «Delmål (måltrappen)» nedenfor."
MODE_SUMMARY_GOALS = "Målene i dag"
MODE_SAVE_MINUTES = "Gem i referatet"
MODE_MINUTES_READ_ONLY = "Mødelederens enhed og den ansvarlige myndighed skriver referatet."
MODE_MINUTES_STALE = (
    "En anden har skrevet i referatet til dette punkt, mens du skrev. Det, du skrev, står stadig i felterne. "
    "Se punktets referat, som det er gemt nu, og gem igen."
)
MODE_MINUTES_NOW = "Gemt nu"
MODE_PARTICIPANTS = "Deltagere"
MODE_GOAL = "Målet"
MODE_GOAL_FIELDS = "Målets overskrift, beskrivelse og temaer"
MODE_LADDER_HINT = "Ét delmål pr. linje, første trin øverst. Sæt [x] foran et trin, der er nået."
MODE_SCORE_TODAY = "Scoring i dag, sammen med borgeren"
MODE_SCORE_TODAY_HINT = "Lad felterne stå tomme, hvis målet ikke scores i dag."
MODE_LAST_SCORE = "Sidst scoret {date}:"
MODE_NO_SCORE_YET = "Målet er ikke scoret endnu."
MODE_AGREE = "Er borgeren enig i scoren?"
MODE_AGREE_YES = "Ja, vi er enige"
MODE_AGREE_NO = "Nej, borgeren er uenig"
MODE_AGREE_HINT = (
    "Kan I ikke blive enige, gemmes jeres score, og borgerens egen score og syn noteres ved siden af."
)
MODE_STATUS = "Målets status"
MODE_STATUS_UNCHANGED = "Uændret ({status})"
MODE_SAVE_GOAL = "Gem målet"
MODE_FOLLOW_UP = "Opfølgning på målet"
MODE_FOLLOW_UP_HINT = "Hvad I talte om, og hvordan det går. Gemmes med dagens dato og dit navn."
MODE_NEW_GOAL_INTRO = "Et nyt mål. Når det er gemt, scorer I det sammen med borgeren på målets egen side."
MODE_PURPOSE_INTRO = "Hvorfor mødet holdes, og hvad borgeren selv er optaget af."
MODE_STATUS_OPEN_TASKS = "Åbne opgaver"
MODE_STATUS_PAST = "Tidligere møder"
MODE_STATUS_NO_TASKS = "Der er ingen åbne opgaver."
MODE_NEXT_SCHEDULE = "Indkald til næste møde"
MODE_NEXT_UPCOMING = "Allerede indkaldt"
MODE_SUMMARY_INTRO = "Det, der er aftalt på mødet, og hvem der har ansvaret. Til sidst sendes referatet ud."
MODE_SUMMARY_NOTHING = "Der er ikke skrevet noget i referatet endnu."
MODE_PUBLISH_HINT = (
    "Referatet sendes til borgeren og til de deltagere, hvis enhed borgeren har givet samtykke til at modtage "
    "referater. Derefter kan det ikke ændres."
)
MODE_PUBLISHED = "Referatet er sendt ud {at}. Det kan ikke ændres."
MODE_GOALS_UNDER = "Målene"

# --- actors and the network map -----------------------------------------------------------------------------------
NETWORK = "Samarbejdspartnere"
NETWORK_MAP = "Netværkskort"
NETWORK_MAP_DESC = "Netværkskortet: {name} i midten og de personer, der er med omkring, i ni grupper."
NETWORK_MAP_TABLE = "Netværkskortet som tabel"
IN_CONTACT = "Har kontakt"
NO_CONTACT = "Ingen kontakt"
ACTOR_NAME = "Navn"
ACTOR_ROLE = "Rolle"
ACTOR_UNIT = "Enhed"
ACTOR_KIND = "SOF/ekstern?"
ACTOR_CATEGORY = "Gruppe på netværkskortet"
ACTOR_EMAIL = "Mail"
ACTOR_PHONE = "Tlf."
ACTOR_CADENCE = "Møder"
ACTOR_COMMUNICATION = "Kommunikations\u00adaftaler"  # a soft hyphen: the printed table's narrow column
ACTOR_COMMUNICATION_HINT = "Én aftale pr. linje."
ACTOR_ATTENTION = "Opmærksomheds\u00adpunkter"
ACTOR_IN_CONTACT = "Borgeren har kontakt til personen"
ACTOR_ANCHOR = "Ankerperson"
ACTOR_LANGUAGE = "Sprog (tolk)"
ACTOR_CONSENT = "Samtykke"
CONSENT_YES_FOR = "Ja: {purposes}"
CONSENT_YOUR_UNIT = "{answer} (din enhed)"
CONSENT_NOT_SHOWN = "Vises kun for den ansvarlige myndighed"
ADD_ACTOR = "Tilføj til netværket"
ACTOR_ADDED = "Personen er tilføjet til netværket."
NO_ACTORS = "Ingen i netværket endnu."
ACTOR_KINDS = {
    "authority": "Myndighed",
    "provider": "Udfører",
    "external": "Ekstern",
    "private_network": "Privat netværk",
}
ANCHORS = {"contact_person": "Kontaktperson", "caseworker": "Sagsbehandler"}
NETWORK_CATEGORIES = {
    "private_network": "Privat netværk",
    "employment": "Beskæftigelse",
    "education": "Uddannelse",
    "housing": "Bolig",
    "everyday_home": "Hjælp i hjemmet",
    "health_treatment": "Sundhed og behandling",
    "social_administration": "Socialforvaltning",
    "probation": "Kriminalforsorgen",
    "interpreter": "Tolk",
}
SOF_THEMES = {
    "education_employment": "Uddannelse/beskæftigelse",
    "independence_relations": "Selvstændighed og relationer",
    "health": "Sundhed",
}
VUM_THEMES = {
    "physical_impairment": "Fysisk funktionsnedsættelse",
    "mental_impairment": "Psykisk funktionsnedsættelse",
    "social_problem": "Socialt problem",
    "practical_tasks_at_home": "Praktiske opgaver i hjemmet",
    "self_care": "Egenomsorg",
    "communication": "Kommunikation",
    "mobility": "Mobilitet",
    "community_life": "Samfundsliv",
    "social_life": "Socialt liv",
    "health": "Sundhed",
    "surroundings": "Omgivelser",
}
CHOOSE = "Vælg"
SCROLL_TABLE = "Tabel (kan rulles til siden)"
DATE_HINT = "dd-mm-åååå, fx 24-12-2026"
TIME_HINT = "tt:mm, fx 09:30"
NOT_CHOSEN = "Ikke valgt"

# --- consents -----------------------------------------------------------------------------------------------------
CONSENTS_TITLE = "Samtykker"
CONSENTS_INTRO = (
    "Borgerens samtykke bestemmer, hvem der må se hvad. Et samtykke, der trækkes tilbage, gælder fra næste "
    "gang nogen åbner planen."
)
CONSENT_GRANTEE = "Enhed, der får samtykket"
CONSENT_GRANTEE_OTHER = "Eller skriv enhedens id"
CONSENT_CATEGORIES = "Hvilke oplysninger"
CONSENT_PURPOSES = "Til hvad"
CONSENT_FORM = "Hvordan er samtykket givet"
CONSENT_FORMS = {"written": "Skriftligt", "oral": "Mundtligt"}
CONSENT_DOCUMENT = "Dokument (ved skriftligt samtykke)"
CONSENT_RECORDED_BY = "Hvem noterede det mundtlige samtykke"
CONSENT_BASIS = "Grundlag"
CONSENT_BASES = {"consent": "Borgerens samtykke", "statutory": "Lovhjemmel"}
CONSENT_PARAGRAPH = "Paragraf (ved lovhjemmel)"
CONSENT_VALID_FROM = "Gælder fra"
CONSENT_VALID_UNTIL = "Gælder til"
CONSENT_STATUS = {"active": "Gælder", "revoked": "Trukket tilbage", "expired": "Udløbet"}
CONSENT_REGISTER = "Registrér samtykke"
CONSENT_REGISTERED = "Samtykket er registreret."
CONSENT_PREVIEW = "Vis hvad enheden kan se"
CONSENT_PREVIEW_TITLE = "Hvad kan {unit} se?"
CONSENT_BEFORE = "Nu"
CONSENT_AFTER = "Når du har gemt"
CONSENT_SEES_NOTHING = "Intet"
CONSENT_SEES_ALL = "Hele planen (ansvarlig myndighed)"
CONSENT_NARROW = "Begræns samtykket"
CONSENT_NARROWED = "Samtykket er begrænset."
CONSENT_RENEW = "Forlæng samtykket"
CONSENT_RENEWED = "Samtykket er forlænget."
CONSENT_REVOKE = "Træk samtykket tilbage"
CONSENT_REVOKE_CITIZEN = "Træk mit samtykke tilbage"
CONSENT_REVOKED = "Samtykket er trukket tilbage. Det gælder fra nu."
CONSENT_REVOKE_REASON = "Begrundelse"
CONSENT_REVOKE_CONFIRM = "Er du sikker? {unit} kan ikke længere se det, samtykket dækker."
CONSENT_NONE = "Der er ikke registreret samtykker."
CONSENT_CHANGE = "Ret samtykket"
CATEGORIES = {
    "general": "generelle oplysninger",
    "health": "helbred",
    "substance_use": "rusmiddelbrug",
    "finances": "økonomi",
    "housing": "bolig",
    "employment": "beskæftigelse",
    "family": "familieforhold",
    "criminal_matters": "strafbare forhold",
}
PURPOSES = {
    "view_plan": "se planen",
    "meeting_invitation": "blive inviteret til møder",
    "receive_minutes": "modtage referater",
    "exchange_information": "udveksle oplysninger",
}

# --- meetings -----------------------------------------------------------------------------------------------------
MEETINGS_TITLE = "Møder"
MEETING = "Møde"
MEETING_KINDS = {
    "preparation": "Forberedelsesmøde",
    "network": "Netværksmøde",
    "citizen_plan": "Borgerplansmøde",
    "coordinating": "Koordinerende møde",
    "follow_up": "Opfølgningsmøde",
}
MEETING_KIND = "Slags møde"
MEETING_DATE = "Dato"
MEETING_START = "Starter kl."
MEETING_END = "Slutter kl."
MEETING_PLACE = "Sted"
MEETING_PLACE_BY_CITIZEN = "Borgeren har valgt stedet"
MEETING_COORDINATOR = "Mødeleder"
MEETING_MINUTE_TAKER = "Referent"
MEETING_PARTICIPANTS = "Deltagere"
MEETING_PARTICIPANTS_HINT = "Vælg fra netværket. Borgeren er altid inviteret."
MEETING_NOT_INVITED = "Bliver ikke inviteret"
DECISION_REASONS = {
    "no_consent": "borgeren har ikke givet enheden samtykke",
    "consent_revoked": "borgeren har trukket sit samtykke tilbage",
    "consent_not_in_force": "samtykket gælder ikke i dag",
    "purpose_not_covered": "samtykket dækker ikke dette formål",
    "categories_not_covered": "samtykket dækker ikke disse oplysninger",
    "no_relation": "enheden er ikke med omkring borgeren",
    "responsible_unit": "enheden er ansvarlig myndighed",
    "consent": "borgerens samtykke",
    "consent_unavailable": "samtykket kunne ikke tjekkes lige nu",
}
MEETING_NOT_INVITED_WHY = "Ikke inviteret, fordi {reason}."
SCHEDULE_MEETING = "Indkald til møde"
MEETING_SCHEDULED = "Mødet er indkaldt."
ADD_TO_CALENDAR = "Føj til kalender (.ics)"
AGENDA = "Dagsorden"
AGENDA_CLOSES = "Punkter kan tilføjes til og med {date}."
AGENDA_CLOSED = "Fristen for punkter til dagsordenen er overskredet ({date})."
AGENDA_TOPIC = "Emne"
AGENDA_RESPONSIBLE = "Ansvarlig"
AGENDA_AIM = "Hvad skal punktet føre til"
AGENDA_MINUTES = "Minutter"
ADD_AGENDA_ITEM = "Tilføj punkt"
AGENDA_ITEM_ADDED = "Punktet er tilføjet."
MINUTES = "Referat"
MINUTES_DUE = "Referatet skal sendes senest {date}."
MINUTES_ATTENDED = "Deltog"
MINUTES_CITIZEN_ATTENDED = "Borgeren deltog"
MINUTES_BRIEFED_BY = "Hvem orienterer borgeren (hvis borgeren ikke deltog)"
MINUTES_DECISION = "Beslutning"
MINUTES_TASKS = "Opgaver"
TASK_WHAT = "Opgave"
TASK_RESPONSIBLE = "Ansvarlig enhed"
TASK_DUE = "Frist"
ADD_TASK = "Tilføj opgave"
SAVE_MINUTES = "Gem referatet"
MINUTES_SAVED = "Referatet er gemt."
PUBLISH_MINUTES = "Send referatet ud"
MINUTES_PUBLISHED = "Referatet er sendt til deltagerne."
MINUTES_PUBLISHED_AT = "Sendt {at}"
CANCEL_MEETING = "Aflys mødet"
MEETING_CANCELLED = "Mødet er aflyst."
MEETING_STATUS = {"scheduled": "Planlagt", "cancelled": "Aflyst"}
INVITATION_STATUS = {
    "needs_action": "Har ikke svaret",
    "accepted": "Kommer",
    "declined": "Har meldt afbud",
    "tentative": "Kommer måske",
}
PARTICIPANT_KINDS = {
    "citizen": "Borger",
    "authority": "Myndighed",
    "provider": "Udfører",
    "external": "Ekstern",
    "private_network": "Privat netværk",
}
NO_MEETINGS = "Ingen møder endnu."
UPCOMING_MEETINGS = "Kommende møder"
PAST_MEETINGS = "Tidligere møder"

# --- deadlines ----------------------------------------------------------------------------------------------------
DEADLINES_TITLE = "Frister og opgaver"
DEADLINES_INTRO = (
    "Din enheds frister. Overskredne står øverst; arbejdsdage tæller uden weekender og helligdage."
)
DEADLINE_KINDS = {
    "task": "Opgave",
    "minutes_due": "Referat skal sendes",
    "agenda_closes": "Sidste frist for punkter til dagsordenen",
}
DEADLINE_DUE = "Frist"
DEADLINE_WHAT = "Hvad"
DEADLINE_CITIZEN = "Borger"
WORKING_DAYS_OVERDUE = {1: "1 arbejdsdag over fristen"}
WORKING_DAYS_OVERDUE_N = "{n} arbejdsdage over fristen"
NO_DEADLINES = "Din enhed har ingen frister lige nu."

# --- the outreach team (fremskudt sagsbehandling, decision 0056)
NAV_OUTREACH = "Fremskudt team"
OUTREACH_BOARD_TITLE = "Fremskudt team: forløb og frister"
OUTREACH_BOARD_INTRO = "Teamets forløb med noget at gøre: de åbne og dem, hvor opfølgningen venter. Den nærmeste frist står først."
OUTREACH_MINE = "Vis kun mine forløb"
OUTREACH_ALL = "Vis hele teamets forløb"
OUTREACH_CITIZEN = "Borger"
OUTREACH_PHASE = "Fase"
OUTREACH_CASEWORKER = "Fremskudt sagsbehandler"
OUTREACH_NEXT_DEADLINE = "Næste frist"
OUTREACH_UNNAMED = "Borger uden navn"
OUTREACH_UNIDENTIFIED = "Ikke identificeret med CPR-nummer"
OUTREACH_NOT_ASSIGNED = "Ikke fordelt"
OUTREACH_CLOCK_STOPPED = "Uret er stoppet"
OUTREACH_NO_DEADLINE = "Ingen åbne frister"
OUTREACH_NO_COURSES = "Teamet har ingen åbne forløb lige nu."
OUTREACH_COURSE_TITLE = "Fremskudt forløb"
OUTREACH_DEADLINES = "Frister"
OUTREACH_DONE = "Gjort"
OUTREACH_NOT_DONE = "Ikke endnu"
OUTREACH_REFERRAL = "Henvendelse"
OUTREACH_REFERRER = "Henvist af"
OUTREACH_RECEIVED = "Modtaget"
OUTREACH_CONCERN = "Bekymringen med henviserens ord"
OUTREACH_INTERPRETER = "Tolk"
OUTREACH_YES = "Ja"
OUTREACH_ATTEMPTS = "Kontaktforsøg"
OUTREACH_NO_ATTEMPTS = "Der er ikke forsøgt kontakt endnu."
OUTREACH_NEXT_ATTEMPT = "Foreslået næste kontaktforsøg"
OUTREACH_TRANSITION = "Overgang til ordinær sagsbehandling"
OUTREACH_THE_PLAN = "Se planen"
OUTREACH_PHASES = {
    "referred": "Henvendelse modtaget",
    "assessed": "Vurderet: i målgruppen",
    "not_in_target_group": "Ikke i målgruppen",
    "contacting": "Kontaktforsøg",
    "in_contact": "I kontakt",
    "transferred": "Overgået til ordinær sagsbehandling",
}
OUTREACH_REFERRER_KINDS = {
    "regional_psychiatry": "regionspsykiatrien",
    "housing_association": "boligselskab",
    "shelter": "herberg eller forsorgshjem",
    "general_practitioner": "egen læge",
    "relative": "pårørende",
    "citizen": "borgeren selv",
    "other": "andre",
}
OUTREACH_NEW = "Registrér en henvendelse"
OUTREACH_NEW_INTRO = "Hvem henvender sig, og hvordan når vi borgeren? CPR-nummeret er ikke nødvendigt: borgeren kan identificeres senere."
OUTREACH_REFERRER_NAME = "Henviserens navn"
OUTREACH_REFERRER_KIND = "Hvem henviser"
OUTREACH_REFERRER_ORGANISATION = "Organisation"
OUTREACH_CHANNEL = "Hvordan kom henvendelsen"
OUTREACH_CHANNELS = {"phone": "Telefon", "mail": "Mail", "in_person": "Personligt fremmøde"}
OUTREACH_CITIZEN_NAME = "Borgerens navn, hvis det kendes"
OUTREACH_CITIZEN_ADDRESS = "Borgerens adresse"
OUTREACH_CITIZEN_PHONE = "Borgerens telefonnummer"
OUTREACH_CITIZEN_FOUND_AT = "Et sted, borgeren kommer"
OUTREACH_REACH_HINT = "Udfyld mindst én af adresse, telefonnummer og sted."
OUTREACH_INTERPRETER_NEEDED = "Borgeren har brug for tolk"
OUTREACH_LANGUAGE = "Sprog"
OUTREACH_SAVE_REFERRAL = "Registrér henvendelsen"
OUTREACH_MEANS = {
    "letter": "Brev i håndskrevet kuvert",
    "phone": "Telefonopkald",
    "visit": "Besøg",
    "partner": "Gennem en samarbejdspartner",
}
OUTREACH_OUTCOMES = {
    "no_answer": "intet svar",
    "door_not_opened": "døren blev ikke åbnet",
    "refused": "borgeren sagde nej",
    "contact_made": "kontakt skabt",
}
OUTREACH_TRANSITIONS = {
    "plan": "Overgået til en plan hos den modtagende enhed",
    "advice_only": "Afsluttet med rådgivning",
    "network_support": "Afsluttet med støtte fra netværk eller frivillig organisation",
}

# --- history ------------------------------------------------------------------------------------------------------
HISTORY_TITLE = "Historik"
HISTORY_INTRO = "Hvem ændrede hvad og hvornår. Historikken er en del af sagen og kan ikke ændres."
HISTORY_WHEN = "Hvornår"
HISTORY_WHO = "Hvem"
HISTORY_WHAT = "Hvad"
HISTORY_FROM = "Før"
HISTORY_TO = "Efter"
HISTORY_FOR_GOAL = "Historik for målet «{title}»"
HISTORY_ALL = "Hele planens historik"
HISTORY_FIELDS = {
    "plan": "Planen oprettet",
    "overview": "Overblik",
    "overview.purpose": PURPOSE,
    "overview.occupied_with": OCCUPIED_WITH,
    "overview.own_words": "Borgerens egne ord",
    "overview.employment": EMPLOYMENT,
    "overview.notes": NOTES,
    "legal_bases": LEGAL_BASES,
    "responsible_unit": RESPONSIBLE_UNIT,
    "valid_from": "Gælder fra",
    "valid_to": "Gælder til",
    "follow_up_period": FOLLOW_UP_PERIOD,
    "status": STATUS,
    "actors": "Samarbejdspartner",
    "goals": "Mål",
    "title": GOAL_TITLE,
    "description": GOAL_DESCRIPTION,
    "category": GOAL_CATEGORY,
    "sof_theme": SOF_THEME,
    "vum_theme": VUM_THEME,
    "sub_goals": SUB_GOALS,
    "agreements": AGREEMENTS,
    "scores": SCORES,
    "follow_ups": FOLLOW_UPS,
    "child_follow_ups": "Opfølgning (§ 70)",
}
HISTORY_NONE = "Ingen ændringer endnu."
HISTORY_GOAL_ADDED = "Nyt mål"
HISTORY_ACTOR_ADDED = "Ny samarbejdspartner"
HISTORY_ACTOR_REMOVED = "Samarbejdspartner fjernet"

# --- print --------------------------------------------------------------------------------------------------------
PRINT_TITLE = "Udskriv planen"
PRINT_INTRO = "Vælg udgave. Udskriv fra browseren eller hent en PDF."
PRINT_MEETING = "Borgerens Plan (til mødet)"
PRINT_CITIZEN = "Mit liv – Min plan (til borgeren)"
PRINT_PLAN_HEADING = "BORGERENS PLAN"
PRINT_OVERVIEW = "OVERBLIK"
PRINT_PARTNERS = "SAMARBEJDSPARTNERE"
PRINT_GOALS = "MÅL"
PRINT_FOLLOW_UP = "Opfølgning på mål"
PRINT_STATUS = "Status"
VISUAL_TITLE = "Mit liv – Min plan"
VISUAL_SUBTITLE = "Den visuelle borgerplan"
VISUAL_MY_LIFE = "HER ER MIT LIV"
VISUAL_MANAGE = "JEG VIL GERNE SELV KUNNE:"
VISUAL_CAN = "JEG KAN:"
VISUAL_DREAMS = "MINE DRØMME:"
VISUAL_INTERESTS = "MINE INTERESSER:"
VISUAL_PURPOSE = "FORMÅL:"
VISUAL_SMART = "SMART INDSATSMÅL:"
VISUAL_LADDER = "MÅLTRAPPEN"
VISUAL_EMPLOYMENT = "BESKÆFTIGELSE"
VISUAL_NOTES = "NOTER"
PRINTED_ON = "Udskrevet {date}"
PDF_UNAVAILABLE = "PDF kan ikke laves lige nu. Brug «Udskriv» i browseren i stedet."

# --- the citizen's own pages (first person) ------------------------------------------------------------------------
MY_PLAN_TITLE = "Min plan"
MY_PLAN_INTRO = "Her er din plan. Den er lavet sammen med dig, og du kan altid se hele den."
MY_WORDS = "Mine egne ord"
MY_FOCUS = "Det er jeg optaget af lige nu"
MY_GOALS = "Mine mål"
MY_STEPS = "Mine trin på vejen"
MY_SCORES = "Mine scoringer over tid"
MY_NETWORK = "Dem, der hjælper mig"
MY_MEETINGS = "Mine næste møder"
MY_CONSENTS = "Mine samtykker"
MY_CONSENTS_INTRO = (
    "Du bestemmer, hvem der må se din plan. Trækker du et samtykke tilbage, kan de ikke længere se det, "
    "fra næste gang de åbner planen."
)
MY_WITHDRAW_TITLE = "Vil du trække dit samtykke til {unit} tilbage?"
MY_WITHDRAW_WHAT = "Lige nu må {unit} se: {categories}. Til: {purposes}."
MY_WITHDRAW_AFTER = (
    "Er du sikker? Trækker du samtykket tilbage, kan {unit} ikke længere se det fra næste gang, de åbner din "
    "plan. Det, de allerede har fået, kan ikke kaldes tilbage. Du kan altid give et nyt samtykke."
)
MY_WITHDRAW_REASON = "Hvorfor? Du behøver ikke skrive noget"
MY_WITHDRAW_YES = "Ja, træk mit samtykke tilbage"
MY_WITHDRAW_NO = "Nej, behold samtykket"
MY_CONSENT_LINE = "{unit} må se: {categories}. Til: {purposes}."
WHO_LOOKED = "Hvem har kigget i min plan"
WHO_LOOKED_INTRO = (
    "Hver gang nogen åbner din plan, bliver det skrevet ned. Her kan du se hvem, hvornår og hvorfor."
)
WHO_LOOKED_UNIT = "Hvem"
WHO_LOOKED_WHEN = "Hvornår"
WHO_LOOKED_WHY = "Hvorfor"
WHO_LOOKED_NONE = "Ingen har kigget i din plan endnu."
ACCESS_PURPOSES = {
    "view_plan": "så planen",
    "view_meeting": "så et møde",
    "view_consents": "så samtykkerne",
    "view_history": "så planens historik",
    "view_disclosures": "så, hvem der har fået oplysninger",
    "lookup_by_cpr": "fandt dig ud fra dit CPR-nummer",
    "export_calendar": "hentede en mødeindkaldelse",
}
# The citizen writes their own words (decision 0061): kept as theirs and marked so wherever they are shown.
MY_WRITE_WORDS = "Skriv med dine egne ord"
MY_WRITE_WORDS_TITLE = "Skriv dine egne ord"
MY_WRITE_WORDS_INTRO = (
    "Her skriver du selv, med dine egne ord. Det, du skriver, står i din plan som dit eget, ved siden af det, "
    "som medarbejderne har skrevet. Du kan altid ændre det igen."
)
MY_WRITE_WORDS_SAVE = "Gem mine ord"
MY_WRITE_WORDS_CANCEL = "Tilbage til min plan"
MY_WORDS_SAVED = "Dine egne ord er gemt."
WRITTEN_BY_YOU = "Skrevet af dig selv"
WRITTEN_BY_CITIZEN = "Skrevet af borgeren selv"
CITIZEN_WROTE_HEADING = "Borgerens egne ord – skrevet af borgeren"
MY_WROTE_HEADING = "Det har jeg selv skrevet"
WRITTEN_ON = "{date}"
# The preparation sheet (forberedelsesark, seed 003): the citizen prepares for the meeting.
PREPARATION = "Forberedelse til mødet"
PREPARATION_MINE = "Min forberedelse til mødet"
PREPARATION_INTRO = (
    "Her kan du forberede dig til mødet. Skriv det, du gerne vil have med. Dem, der holder mødet, kan se det."
)
PREPARATION_CITIZEN = "Borgerens forberedelse – skrevet af borgeren"
PREPARATION_FIELDS = {
    "hopes_and_dreams": "Mine håb og drømme",
    "talk_about": "Det vil jeg gerne tale om",
    "who_there": "Dem vil jeg gerne have med til mødet",
}
PREPARATION_SAVE = "Gem min forberedelse"
PREPARATION_SAVED = "Din forberedelse er gemt."
PREPARATION_NONE = "Borgeren har ikke udfyldt et forberedelsesark."
# The citizen's own score, comments and requests for a change (decisions 0061-0062).
CITIZEN_OWN_SCORE = "Borgerens egen score – givet af borgeren"
MY_OWN_SCORE = "Min egen score – givet af mig"
CITIZEN_AGREES = {True: "Enig i scoringen", False: "Uenig i scoringen"}
MY_AGREES = {"yes": "Ja, jeg er enig", "no": "Nej, jeg er ikke enig"}
MY_AGREE_LEGEND = "Er du enig i scoringen?"
MY_SCORE_FIELD = "Min egen score ({scale})"
MY_SCORE_WORDS = "Min egen score med ord"
MY_SCORE_VIEW = "Hvorfor? Skriv det med dine egne ord"
MY_SCORE_SAVE = "Gem min score"
MY_SCORE_SAVED = "Din score er gemt."
MY_SCORE_GIVE = "Giv din egen score"
COMMENTS = "Kommentarer"
COMMENT_BY_CITIZEN = "Borgeren skrev"
COMMENT_BY_ME = "Jeg skrev"
MY_COMMENT = "Skriv en kommentar til målet"
MY_COMMENT_TEXT = "Din kommentar"
MY_COMMENT_SAVE = "Gem kommentaren"
MY_COMMENT_SAVED = "Din kommentar er gemt."
REQUESTS = "Borgerens anmodninger om ændringer"
MY_REQUESTS = "Bed om en ændring af min plan"
MY_REQUESTS_INTRO = "Vil du have noget ændret i din plan? Skriv det her. Din sagsbehandler svarer dig."
REQUEST_KINDS = {
    "new_goal": "Et nyt mål",
    "change_agreement": "En ændring af en aftale",
    "correct_fact": "En rettelse af noget, der står forkert",
}
REQUEST_KIND = "Hvad vil du bede om?"
REQUEST_TITLE = "Hvad skal det nye mål hedde?"
REQUEST_GOAL = "Hvilket mål handler det om?"
REQUEST_TEXT = "Skriv, hvad du ønsker"
REQUEST_SEND = "Send anmodningen"
REQUEST_SENT = "Din anmodning er sendt. Din sagsbehandler svarer dig."
REQUEST_STATUS = {
    "open": "Venter på svar",
    "accepted": "Accepteret",
    "changed": "Accepteret med ændringer",
    "declined": "Afvist",
}
REQUEST_REASON = "Begrundelse"
REQUEST_ANSWER = "Svar borgeren"
REQUEST_OUTCOME = "Svar"
REQUEST_NEW_TITLE = "Målets titel, som det bliver (kun ved «Accepteret med ændringer»)"
REQUEST_ANSWER_SEND = "Send svaret"
REQUEST_ANSWERED = "Svaret er sendt til borgeren."
REQUESTS_NONE = "Ingen anmodninger."
REQUESTS_WAITING = "Anmodninger fra borgere, der venter på svar"
E_MY_DISAGREE_SAY = "Når du er uenig, så giv din egen score eller skriv hvorfor."
E_REQUEST_TITLE = "Skriv, hvad det nye mål skal hedde."
E_REQUEST_GOAL = "Vælg det mål, aftalen hører til."
MY_SCORE = "Min egen score"
# How the citizen is told (decision 0023): what Borgerplan sends, and what the law sends anyway.
MY_TOLD_TITLE = "Sådan får du besked"
MY_TOLD_INTRO = (
    "Vi giver dig besked, når der er nyt til dig, fx en invitation til et møde eller et referat. Beskeden siger kun, "
    "at der er noget nyt, og hvor du kan se det. Der står aldrig noget om din sag i den."
)
MY_TOLD_HOW = "Hvordan vil du have besked?"
MY_TOLD_CHANNELS = (
    ("digital_post", "I Digital Post"),
    ("email", "På e-mail"),
    ("sms", "På sms"),
    ("none", "Jeg vil ikke have beskeder fra Borgerplan"),
)
MY_TOLD_EMAIL = "Din e-mailadresse"
MY_TOLD_EMAIL_HINT = "Kun hvis du vælger e-mail."
MY_TOLD_PHONE = "Dit mobilnummer"
MY_TOLD_PHONE_HINT = "Kun hvis du vælger sms. Fx 20 30 40 50."
MY_TOLD_SAVE = "Gem mit valg"
MY_TOLD_LAW = (
    "Breve, som kommunen efter loven skal sende dig, fx en afgørelse, får du altid i Digital Post, uanset hvad du "
    "vælger her."
)
MY_TOLD_NOW = "Lige nu: {channel}."
MY_TOLD_NOW_CHANNEL = {
    "digital_post": "du får besked i Digital Post",
    "email": "du får besked på e-mail til {email}",
    "sms": "du får besked på sms til {phone}",
    "none": "du får ingen beskeder fra Borgerplan",
}
MY_TOLD_SAVED = "Dit valg er gemt."
MY_TOLD_UNAVAILABLE = "Vi kan ikke vise, hvordan du får besked, lige nu. Prøv igen om lidt."
MY_TOLD_SENT = "Beskeder sendt til dig"
MY_TOLD_SENT_NONE = "Vi har ikke sendt dig nogen beskeder endnu."
MY_TOLD_KIND = "Besked"
MY_TOLD_CHANNEL = "Sendt som"
MY_TOLD_STATUS = "Status"
MY_TOLD_WHEN = "Hvornår"
NOTIFICATION_KINDS = {
    "meeting_invitation": "Invitation til møde",
    "meeting_update": "Mødet er ændret",
    "meeting_cancellation": "Mødet er aflyst",
    "agenda_reminder": "Påmindelse om dagsorden",
    "minutes_published": "Referatet er klar",
    "minutes_overdue": "Referatet mangler",
    "task_overdue": "En opgave er forsinket",
    "consent_expiring": "Et samtykke udløber snart",
    "consent_revoked": "Et samtykke er trukket tilbage",
    "change_requested": "En borger beder om en ændring",
    "change_request_answered": "Svar på din anmodning",
}
NOTIFICATION_CHANNELS = {"digital_post": "Digital Post", "email": "E-mail", "sms": "Sms"}
NOTIFICATION_STATUSES = {
    "pending": "Venter",
    "sending": "Sendes nu",
    "sent": "Sendt",
    "failed": "Kunne ikke sendes",
    "cancelled": "Ikke sendt",
}
E_PHONE = "Skriv et telefonnummer med mindst 8 cifre, fx 20 30 40 50."
E_TOLD_EMAIL_MISSING = "Skriv din e-mailadresse, når du vil have besked på e-mail."
E_TOLD_PHONE_MISSING = "Skriv dit mobilnummer, når du vil have besked på sms."
MY_NO_PLAN = "Du har ikke en plan endnu. Den bliver lavet sammen med dig på et netværksmøde."
ME = "Mig"

# --- errors -------------------------------------------------------------------------------------------------------
ERROR_TITLES = {
    400: "Noget i forespørgslen var forkert",
    401: "Du skal logge ind",
    403: "Du har ikke adgang",
    404: "Siden findes ikke",
    409: "Det kunne ikke lade sig gøre",
    412: "En anden har ændret det samme",
    413: "Det, du sendte, er for stort",
    422: "Noget i formularen er forkert",
    429: "For mange forespørgsler",
    500: "Der skete en fejl hos os",
    503: "Borgerplan kan ikke svare lige nu",
}
ERROR_TEXTS = {
    403: "Din rolle eller enhed giver ikke adgang til det, du bad om.",
    404: "Siden eller borgeren findes ikke, eller du har ikke adgang til den.",
    429: "Vent et øjeblik, og prøv så igen.",
    500: "Prøv igen om lidt. Bliver det ved, så kontakt din it-support.",
    503: "En del af Borgerplan svarer ikke lige nu. Prøv igen om lidt. Intet er gået tabt.",
}
CONSENT_MISSING = (
    "Borgeren har ikke givet samtykke til, at din enhed ser planen. Tal med borgeren eller den ansvarlige "
    "sagsbehandler, hvis din enhed har brug for det."
)
CSRF_FAILED = (
    "Formularen var for gammel eller kom ikke fra Borgerplan. Indlæs siden igen, og prøv en gang til."
)
GO_HOME = "Gå til forsiden"
TRY_AGAIN = "Prøv igen"

# --- a stale edit (412) -------------------------------------------------------------------------------------------
STALE_TITLE = "Nogen har ændret det samme, mens du skrev"
STALE_TEXT = (
    "Det, du skrev, er ikke gemt endnu, men det er ikke gået tabt: det står i formularen nedenfor. "
    "Se, hvad der er ændret, og gem dine ændringer igen."
)
STALE_CHANGED = "Ændret af en anden"
STALE_NOTHING_YOU_SAW = "Ingen af de felter, du retter, er ændret. Andre dele af planen er."
STALE_FIELD = "Felt"
STALE_WAS = "Da du åbnede siden"
STALE_NOW = "Nu"
STALE_APPLY_AGAIN = "Gem mine ændringer igen"

# --- field errors (next to the field) -----------------------------------------------------------------------------
E_REQUIRED = "Skal udfyldes."
E_CHOOSE = "Vælg en af mulighederne."
E_CHOOSE_ONE_OR_MORE = "Vælg mindst én."
E_TOO_LONG = "Må højst være {n} tegn."
E_TOO_MANY = "Der må højst være {n}."
E_DATE = "Skriv en dato som dd-mm-åååå, fx 24-12-2026."
E_TIME = "Skriv et klokkeslæt som tt:mm, fx 09:30."
E_EMAIL = "Skriv en gyldig mailadresse, fx navn@kommune.dk."
E_NUMBER = "Skriv et helt tal."
E_SCALE = "Vælg et tal fra {low} til {high}."
E_CPR = "Et CPR-nummer har 10 cifre, fx 010190-1234."
E_CPR_DATE = "De første 6 cifre i CPR-nummeret er ikke en rigtig fødselsdato."
E_END_BEFORE_START = "Mødet skal slutte, efter det starter."
E_UNTIL_BEFORE_FROM = "Slutdatoen skal være efter startdatoen."
E_VALID_TO_BEFORE_FROM = "«Til» skal være efter «Fra»."
E_ORAL_RECORDED_BY = "Skriv, hvem der noterede det mundtlige samtykke."
E_STATUTORY_PARAGRAPH = "Skriv den paragraf, der giver lovhjemmel."
E_CITIZEN_OWN_MISSING = "Skriv borgerens egen score eller borgerens syn, når borgeren er uenig."
E_CITIZEN_OWN_ONLY_WHEN_DISAGREES = (
    "Borgerens egen score og syn gemmes kun, når borgeren er uenig i scoren. Markér, at borgeren er uenig, "
    "eller lad felterne stå tomme."
)
E_BRIEFED_BY = "Skriv, hvem der orienterer borgeren, når borgeren ikke deltog."
E_TASK_RESPONSIBLE = "Skriv, hvem der har ansvaret for opgaven."
E_PROFESSIONAL_UNIT = "En fagperson skal have en enhed."
E_STEP_STATUS = "Trin hører kun til status «På vej»."
E_NOT_ALLOWED_NOW = "Det kan ikke lade sig gøre nu: {detail}"
E_INVALID = "Tjek feltet."
E_AGREEMENT_INCOMPLETE = "Skriv både hvem og hvad i aftalen."
E_AGENDA_CLOSED = "Fristen for punkter til dagsordenen er overskredet."
E_IDEMPOTENCY_REUSED = "Formularen er allerede sendt. Indlæs siden igen, hvis du vil sende noget nyt."
E_UNKNOWN_PLAN_YET = (
    "Planen er lige oprettet og er ikke nået frem til mødekalenderen. Prøv igen om et øjeblik."
)
E_MEETING_IN_PAST = "Mødet kan ikke ligge i fortiden. Vælg en dato og et klokkeslæt fra nu af."
E_NOT_A_PARTICIPANT = "Personen er ikke deltager i mødet. Indlæs siden igen."
E_NOT_ON_AGENDA = "Punktet er ikke på mødets dagsorden. Indlæs siden igen."
E_SCORE_NOW_MISSING = "Skriv scoren nu."
E_PLAN_CLOSED = "Planen er lukket og kan ikke ændres."
E_GOAL_CLOSED = "Målet er afsluttet og kan ikke rettes eller få flere registreringer."
E_MINUTES_PUBLISHED = "Referatet er sendt ud og kan ikke ændres."


@dataclass(frozen=True)
class Rule:
    """One rule of the domain and what a person reads when it refuses.

    ``message`` is the English the API writes (a service's ``RuleViolation`` or a validator of the public models),
    with ``{}`` where it varies, ``{name}`` where the Danish repeats what varies, and ``{field}`` where it names
    the field itself. ``field`` is the field the rule is about, below the one the API names (a validator of the
    score names ``score``; the rule is about ``score.citizen_score``); none when the API names it already.
    """

    message: str
    danish: str
    field: str | None = None

    def read(self, message: str) -> dict[str, str] | None:
        """What the message says where it varies, when it is this rule's message."""
        found = _pattern(self.message).fullmatch(message.strip())
        return None if found is None else {k: v for k, v in found.groupdict().items() if v is not None}


@cache
def _pattern(message: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]*\})", message)
    regex = "".join(
        (f"(?P<{part[1:-1]}>.+?)" if part[1:-1] else ".+?") if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(regex, re.IGNORECASE)


# Every rule of the domain, each written once: the services' RuleViolations and the public models' validators.
# tests/unit/web/test_rule_messages.py finds them in the code and checks that each has its line here.
RULES: tuple[Rule, ...] = (
    # every text field (decision 0043)
    Rule(
        "must not contain control characters (found U+{})",
        "Teksten indeholder et usynligt styretegn, som ikke kan gemmes. Skriv den igen, eller kopiér den fra et andet sted.",
    ),
    # consent
    Rule("valid_until is before valid_from", E_UNTIL_BEFORE_FROM, "valid_until"),
    Rule("an oral consent names who recorded it (recorded_by)", E_ORAL_RECORDED_BY, "recorded_by"),
    Rule(
        "a statutory basis names its paragraph (statutory_paragraph)",
        E_STATUTORY_PARAGRAPH,
        "statutory_paragraph",
    ),
    Rule(
        "name the categories or purposes the consent narrows to",
        "Vælg de oplysninger eller formål, samtykket skal begrænses til.",
    ),
    Rule(
        "a renewed consent must be valid until today or later",
        "Et forlænget samtykke skal gælde til i dag eller senere.",
    ),
    Rule("the consent has no end date to renew", "Samtykket har ingen slutdato, så det kan ikke forlænges."),
    Rule(
        "a renewal must extend the consent beyond its current end",
        "Den nye slutdato skal ligge efter den nuværende.",
    ),
    Rule("a {} consent cannot be narrowed", "Samtykket gælder ikke længere og kan ikke begrænses."),
    Rule(
        "a revoked consent cannot be renewed; grant a new one",
        "Et samtykke, der er trukket tilbage, kan ikke forlænges. Registrér et nyt.",
    ),
    Rule(
        "the unit received no consent of the citizen with this id",
        "Enheden har ikke fået det samtykke fra borgeren.",
    ),
    Rule(
        "a consent keeps at least one of its {}; revoke it instead",
        "Et samtykke skal dække mindst én. Træk samtykket tilbage, hvis det ikke skal gælde.",
    ),
    Rule(
        "narrowing cannot add {} ({}); grant a new consent instead",
        "En begrænsning kan ikke tilføje noget. Registrér et nyt samtykke i stedet.",
    ),
    Rule(
        "the consent already has exactly these categories",
        "Samtykket dækker allerede præcis det. Fjern noget for at begrænse det.",
    ),
    # meetings
    Rule("unknown plan", E_UNKNOWN_PLAN_YET),
    Rule("the agenda closed on {} (4 working days before the meeting)", E_AGENDA_CLOSED),
    Rule("a meeting cannot start in the past", E_MEETING_IN_PAST),
    Rule("end must be after start", E_END_BEFORE_START, "end"),
    Rule("a meeting lasts at most 12 hours", "Et møde varer højst 12 timer."),
    Rule(
        "the plan is closed; schedule the meeting on a current plan",
        "Planen er lukket. Indkald mødet på borgerens gældende plan.",
    ),
    Rule("the meeting is cancelled", "Mødet er aflyst."),
    Rule("a professional participant names their unit", E_PROFESSIONAL_UNIT, "unit"),
    Rule("no such participant in this meeting", E_NOT_A_PARTICIPANT),
    Rule("not a participant of this meeting", E_NOT_A_PARTICIPANT),
    Rule("not a participant", E_NOT_A_PARTICIPANT),
    Rule("not an item of this meeting's agenda", E_NOT_ON_AGENDA),
    Rule("a task names who is responsible (participant or unit)", E_TASK_RESPONSIBLE, "responsible_unit"),
    Rule(
        "when the citizen did not attend, name who briefs them (citizen_briefed_by)",
        E_BRIEFED_BY,
        "citizen_briefed_by",
    ),
    Rule("the minutes are published and can no longer change", E_MINUTES_PUBLISHED),
    Rule(
        "there are no minutes to publish yet",
        "Der er ikke noget referat at sende ud endnu. Gem referatet først.",
    ),
    Rule("the minutes are published already", "Referatet er allerede sendt ud."),
    Rule("no such task in published minutes", "Opgaven findes ikke i et udsendt referat."),
    Rule("the task is completed already", "Opgaven er allerede udført."),
    # the plan
    Rule("unknown citizen", "Borgeren findes ikke."),
    Rule(
        "the citizen already has an active plan of this kind (or a unified plan replacing it)",
        "Borgeren har allerede en aktiv plan af den slags (eller en samlet plan, der erstatter den).",
    ),
    Rule(
        "the citizen already has an active {} plan ({}); close it first",
        "Borgeren har allerede en aktiv plan af den slags. Luk den først.",
    ),
    Rule(
        "the citizen's unified plan ({}) replaces sector plans; change that plan instead",
        "Borgeren har en samlet plan, der erstatter de andre planer. Ret i den i stedet.",
    ),
    Rule("a plan is created as draft or active", "En plan oprettes som kladde eller som aktiv plan."),
    Rule("a {} plan cannot become {}", "Planens status kan ikke ændres sådan."),
    Rule("the plan is closed; it takes no more changes", E_PLAN_CLOSED),
    Rule("valid_to is before valid_from", E_VALID_TO_BEFORE_FROM, "valid_to"),
    Rule("each legal basis is 1-60 characters", "Hver paragraf må højst være 60 tegn."),
    Rule(
        "an adult plan (SEL §141) has no child sections or child measures",
        "En plan for voksne (SEL § 141) har ikke afsnit eller foranstaltninger for børn.",
    ),
    Rule(
        "placement decisions are recorded only in placement cases",
        "Afgørelser om anbringelse skrives kun i anbringelsessager.",
    ),
    Rule("this belongs to placement cases (anbringelsessager) only", "Det hører kun til anbringelsessager."),
    Rule("the measure ends before it starts", "Foranstaltningen slutter, før den begynder."),
    # the citizen writes (decision 0061)
    Rule(
        "a goal keeps at most {} of the citizen's scores",
        "Der kan ikke gemmes flere af dine egne scorer på målet.",
    ),
    Rule("a goal keeps at most {} comments", "Der kan ikke skrives flere kommentarer til målet."),
    Rule("a plan keeps at most {} requests", "Der kan ikke sendes flere anmodninger om ændring af planen."),
    Rule("no such request in this plan", "Anmodningen findes ikke i planen."),
    Rule("the request is {} already", "Anmodningen er allerede besvaret."),
    Rule(
        "only a request for a new goal is changed by a title", "Kun en anmodning om et nyt mål får en titel."
    ),
    Rule("this goal is scored in words; use words", "Målet scores med ord. Skriv din score med ord."),
    Rule("this goal is scored on the {} scale; use score", "Målet scores med tal. Vælg et tal."),
    Rule("send at least one of occupied_with and own_words", "Skriv noget, før du gemmer."),
    Rule(
        "when you disagree, give your own score or say why",
        "Når du er uenig, så giv din egen score eller skriv hvorfor.",
    ),
    Rule("a request for a new goal names the goal (title)", "Skriv, hvad det nye mål skal hedde.", "title"),
    Rule(
        "a request to change an agreement names its goal (goal_id)",
        "Vælg det mål, aftalen hører til.",
        "goal_id",
    ),
    Rule("title belongs to outcome changed", "En ny titel gives kun, når anmodningen ændres."),
    Rule(
        "write at least one of hopes_and_dreams, talk_about and who_there",
        "Skriv mindst én ting, før du gemmer.",
    ),
    Rule("the meeting is over; its minutes are published", "Mødet er holdt, og referatet er sendt ud."),
    Rule(
        "the follow-up date is before the agreement was made",
        "Opfølgningsdatoen ligger før dagen, aftalen blev lavet.",
    ),
    Rule(
        "the § 70 follow-up belongs to child and unified plans",
        "Opfølgning efter § 70 hører til planer for børn og samlede planer.",
    ),
    Rule(
        "the goals either still support the effort or must be revised, not both",
        "Vælg enten, at målene stadig understøtter indsatsen, eller at de skal revideres – ikke begge.",
    ),
    Rule(
        "the period starts before the last follow-up's period ended",
        "Perioden begynder, før den sidste opfølgnings periode sluttede.",
    ),
    Rule(
        "period_to is before period_from", "Periodens slutdato skal være efter dens startdato.", "period_to"
    ),
    Rule("an assessment is listed twice", "Hver vurdering kan kun vælges én gang.", "assessments"),
    Rule(
        "a plan has at most {n} goals (up to three are recommended)",
        "En plan har højst {n} mål (højst tre anbefales).",
    ),
    Rule("no such goal in this plan", "Målet findes ikke i planen. Indlæs siden igen."),
    Rule("a goal keeps a {field}", E_REQUIRED),
    Rule("the goal is {}; its content no longer changes", E_GOAL_CLOSED),
    Rule("the goal is {}; its status no longer changes", "Målet er afsluttet; status kan ikke ændres."),
    Rule("the goal is {}; it takes no more scores", E_GOAL_CLOSED),
    Rule("the goal is {}; it takes no more follow-ups", E_GOAL_CLOSED),
    Rule(
        "a goal does not return to its baseline; record a new score instead",
        "Et mål kan ikke gå tilbage til udgangspunktet. Giv en ny scoring i stedet.",
    ),
    Rule("step belongs to status in_progress", E_STEP_STATUS, "step"),
    Rule("a score on the {} scale needs now", E_SCORE_NOW_MISSING, "now"),
    Rule("{field} must be between {low} and {high} on the {} scale", E_SCALE),
    Rule(
        "the words scale takes no numbers ({}); use now_words",
        "Med ord som skala skrives scoren med ord, ikke tal.",
        "now",
    ),
    Rule("a score in words needs now_words", "Skriv scoren nu med ord.", "now_words"),
    Rule(
        "when the citizen disagrees, record their own score or view", E_CITIZEN_OWN_MISSING, "citizen_score"
    ),
    Rule(
        "the citizen's own score and view are recorded only when the citizen disagrees",
        E_CITIZEN_OWN_ONLY_WHEN_DISAGREES,
        "citizen_score",
    ),
    Rule("a plan has at most {n} actors", "En plan har højst {n} samarbejdspartnere."),
    Rule("no such actor in this plan", "Personen findes ikke i netværket. Indlæs siden igen."),
    Rule("an actor keeps a {field}", E_REQUIRED),
    Rule("an actor of kind {} names its unit", E_PROFESSIONAL_UNIT),
    Rule(
        "a person of the private network belongs to no unit",
        "En person fra det private netværk hører ikke til en enhed. Lad «Enhed» være tom.",
    ),
    Rule(
        "the private network sits in the private_network category",
        "En person fra det private netværk står i gruppen «Privat netværk» på netværkskortet.",
    ),
    Rule(
        "only the private network sits in that category",
        "Kun det private netværk står i gruppen «Privat netværk».",
    ),
    Rule(
        "where on the network map this actor sits is required", "Vælg, hvor personen står på netværkskortet."
    ),
    Rule("an interpreter's language is recorded", "Skriv tolkens sprog."),
    Rule(
        "the contact person is provider staff (udfører)",
        "Kontaktpersonen er ansat hos en udfører. Vælg «Udfører» som slags.",
    ),
    Rule(
        "the responsible caseworker is authority staff (myndighed)",
        "Den ansvarlige sagsbehandler er ansat hos myndigheden. Vælg «Myndighed» som slags.",
    ),
    Rule(
        "each communication agreement is 1-500 characters",
        "Hver kommunikationsaftale må højst være 500 tegn.",
    ),
    # the citizen
    Rule("a CPR number has 10 digits, DDMMYY-SSSS", E_CPR),
    Rule("the CPR number does not hold a valid birth date", E_CPR_DATE),
    # notifications
    Rule(
        "phone is required when the channel is sms",
        "Skriv et telefonnummer, når beskeder skal komme som sms.",
        "phone",
    ),
    Rule("email is required when the channel is email", E_TOLD_EMAIL_MISSING, "email"),
    Rule(
        "your sign-in carries no e-mail address to keep a preference for",
        "Dit login har ingen e-mailadresse, så vi kan ikke gemme, hvordan du vil have besked.",
    ),
    # outreach courses (decision 0056)
    Rule("the CPR number is not valid", "CPR-nummeret er ikke gyldigt."),
    Rule("only a team can register a referral", "Kun et team kan registrere en henvendelse."),
    Rule(
        "the citizen has an active plan of this kind already; link the course to it",
        "Borgeren har allerede en aktiv plan af denne slags. Knyt forløbet til den.",
    ),
    Rule(
        "the receiving unit could not create the plan: {}",
        "Planen kunne ikke oprettes hos den modtagende enhed. Ret feltet og prøv igen.",
    ),
    Rule("the course has ended and cannot be changed", "Forløbet er afsluttet og kan ikke ændres."),
    Rule(
        "the date is before the referral on {date}", "Datoen ligger før henvendelsen den {date}. Ret datoen."
    ),
    Rule(
        "give at least one way to reach the citizen: an address, a phone, an email or a place they come",
        "Skriv mindst én måde at nå borgeren på: en adresse, et telefonnummer, en e-mail eller et sted, borgeren kommer.",
    ),
    Rule("a citizen given by CPR number needs a name", "Skriv borgerens navn, når CPR-nummeret er kendt."),
    Rule(
        "tick at least one category for a citizen in the target group",
        "Sæt kryds ved mindst én kategori for en borger i målgruppen.",
    ),
    Rule(
        "say where the referrer was told to go instead",
        "Skriv, hvor henviseren er vejledt til at gå i stedet.",
    ),
    Rule("assess the target group first", "Vurder først, om borgeren er i målgruppen."),
    Rule("there is no contact with the citizen yet", "Der er endnu ikke skabt kontakt til borgeren."),
    Rule(
        "the first meeting cannot be before the first contact",
        "Det første møde kan ikke ligge før den første kontakt.",
    ),
    Rule("record the first meeting with the citizen first", "Registrer først det første møde med borgeren."),
    Rule("the date cannot be before the first meeting", "Datoen kan ikke ligge før det første møde."),
    Rule("say where {name} sits on the network map", "Vælg, hvor {name} står på netværkskortet."),
    Rule("name the unit {name} works in", "Skriv den enhed, {name} arbejder i."),
    Rule(
        "the citizen is not identified yet, so no consent covers the partner",
        "Borgeren er ikke identificeret endnu, så intet samtykke dækker samarbejdspartneren.",
    ),
    Rule(
        "the citizen's consent does not cover the information asked for",
        "Borgerens samtykke dækker ikke de oplysninger, der spørges om.",
    ),
    Rule(
        "the consent register did not answer; the partner cannot be asked now",
        "Samtykkeregistret svarer ikke, så samarbejdspartneren kan ikke spørges nu. Prøv igen om lidt.",
    ),
    Rule(
        "the citizen's consent does not cover exchanging information",
        "Borgerens samtykke dækker ikke udveksling af oplysninger.",
    ),
    Rule(
        "no consent of the citizen in force covers this partner",
        "Borgeren har ikke givet samtykke til, at vi spørger denne samarbejdspartner.",
    ),
    Rule("the clock cannot restart before it stopped", "Uret kan ikke startes igen, før det blev stoppet."),
    Rule("the clock is stopped already", "Uret er allerede stoppet."),
    Rule("the clock is not stopped", "Uret er ikke stoppet."),
    Rule("the course belongs to another citizen already", "Forløbet hører allerede til en anden borger."),
    Rule(
        "name the unit or units that take the citizen over in ordinary casework",
        "Vælg den eller de enheder, der overtager borgeren i den ordinære sagsbehandling.",
    ),
    Rule(
        "identify the citizen by CPR number before the transition to a plan",
        "Borgeren skal identificeres med CPR-nummer før overgangen til en plan.",
    ),
    Rule(
        "the course has not ended yet; the follow-up comes after it",
        "Forløbet er ikke afsluttet endnu. Opfølgningen kommer bagefter.",
    ),
    Rule(
        "the follow-up cannot be before the course ended",
        "Opfølgningen kan ikke ligge før forløbet sluttede.",
    ),
    # every model
    Rule("{field} cannot be null; leave it out to keep it", E_REQUIRED),
)

_VALUE_ERROR = re.compile(r"^value error, ", re.IGNORECASE)


@dataclass(frozen=True)
class RuleRefusal:
    """A refusal read: the field it is about (the API's name) and the Danish words."""

    field: str
    danish: str


def rule_refusal(message: str, field: str = "") -> RuleRefusal | None:
    """A rule's refusal as the API wrote it (``field``, ``message``), when it is one of ``RULES``."""
    text = _VALUE_ERROR.sub("", message.strip())
    for rule in RULES:
        said = rule.read(text)
        if said is None:
            continue
        where = ".".join(p for p in field.split(".") if p and p != "body")
        below = said.pop("field", None) or rule.field
        if below and where != below and not where.endswith("." + below):
            where = f"{where}.{below}" if where else below
        return RuleRefusal(where, rule.danish.format_map(_Said(said)))
    return None


class _Said(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def field_message(message: str) -> str:
    """Danish words for one of the API's field messages (a domain rule's, or pydantic's own)."""
    known = rule_refusal(message)
    if known is not None:
        return known.danish
    lowered = message.casefold()
    if "field required" in lowered or "at least 1 character" in lowered or "cannot be null" in lowered:
        return E_REQUIRED
    if match := re.search(r"at most (\d+) characters?", lowered):
        return E_TOO_LONG.format(n=match.group(1))
    if match := re.search(r"at most (\d+) items?", lowered):
        return E_TOO_MANY.format(n=match.group(1))
    if "at least 1 item" in lowered:
        return E_CHOOSE_ONE_OR_MORE
    if "email" in lowered:
        return E_EMAIL
    if "date" in lowered and ("valid" in lowered or "format" in lowered):
        return E_DATE
    if "datetime" in lowered or "timezone" in lowered:
        return E_TIME
    if "input should be" in lowered and "'" in lowered:
        return E_CHOOSE
    if "integer" in lowered or "number" in lowered:
        return E_NUMBER
    return E_INVALID


# --- how things are written ---------------------------------------------------------------------------------------
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(COPENHAGEN).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if "T" in text:
            return _as_datetime(text).date()  # type: ignore[union-attr]
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment.astimezone(COPENHAGEN) if moment.tzinfo else moment


def long_date(value: Any) -> str:
    """14. marts 2026"""
    day = _as_date(value)
    return "" if day is None else f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def short_date(value: Any) -> str:
    """14-03-2026 (the way dates are typed in forms)"""
    day = _as_date(value)
    return "" if day is None else day.strftime("%d-%m-%Y")


def date_time(value: Any) -> str:
    """tirsdag 14. marts 2026 kl. 09.00"""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    return f"{WEEKDAYS[moment.weekday()]} {long_date(moment)} kl. {moment:%H.%M}"


def clock(value: Any) -> str:
    moment = _as_datetime(value)
    return "" if moment is None else f"{moment:%H.%M}"


def time_span(start: Any, end: Any) -> str:
    """tirsdag 14. marts 2026 kl. 09.00–10.00"""
    return f"{date_time(start)}–{clock(end)}" if start else ""


def working_days_overdue(n: int) -> str:
    return WORKING_DAYS_OVERDUE.get(n, WORKING_DAYS_OVERDUE_N.format(n=n))


def join_words(items: list[str]) -> str:
    """«a, b og c»"""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} og {items[-1]}"


def categories(values: list[str] | None) -> str:
    return join_words([CATEGORIES.get(v, v) for v in values or []])


def purposes(values: list[str] | None) -> str:
    return join_words([PURPOSES.get(v, v) for v in values or []])


_VOCABULARIES: dict[str, dict[Any, str]] = {
    "plan_kind": PLAN_KINDS,
    "plan_status": PLAN_STATUS,
    "goal_status": GOAL_STATUS,
    "sof_theme": SOF_THEMES,
    "vum_theme": VUM_THEMES,
    "category": CATEGORIES,
    "purpose": PURPOSES,
    "network_category": NETWORK_CATEGORIES,
    "actor_kind": ACTOR_KINDS,
    "anchor": ANCHORS,
    "meeting_kind": MEETING_KINDS,
    "meeting_status": MEETING_STATUS,
    "invitation_status": INVITATION_STATUS,
    "participant_kind": PARTICIPANT_KINDS,
    "consent_status": CONSENT_STATUS,
    "consent_form": CONSENT_FORMS,
    "consent_basis": CONSENT_BASES,
    "deadline_kind": DEADLINE_KINDS,
    "access_purpose": ACCESS_PURPOSES,
    "relation": RELATION_LABEL,
    "scale": SCALE_LABEL,
}


def label(vocabulary: str, value: Any) -> str:
    """The Danish label of one of the API's values; the value itself when the list does not know it."""
    if value is None or value == "":
        return ""
    return _VOCABULARIES[vocabulary].get(value, str(value))


def choices(vocabulary: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a select or a group of boxes, labels capitalised as list items are."""
    return [(str(k), capital(v)) for k, v in _VOCABULARIES[vocabulary].items()]


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# What was just done, shown at the top of the page it leads back to (``?ok=<key>``; unknown keys show nothing).
DONE = {
    "registered": REGISTERED,
    "plan_created": PLAN_CREATED,
    "overview_saved": OVERVIEW_SAVED,
    "goal_added": GOAL_ADDED,
    "goal_saved": GOAL_SAVED,
    "score_saved": "Scoringen er gemt.",
    "status_saved": "Status er gemt.",
    "follow_up_saved": "Opfølgningen er gemt.",
    "actor_added": ACTOR_ADDED,
    "consent_registered": CONSENT_REGISTERED,
    "consent_narrowed": CONSENT_NARROWED,
    "consent_renewed": CONSENT_RENEWED,
    "consent_revoked": CONSENT_REVOKED,
    "meeting_scheduled": MEETING_SCHEDULED,
    "agenda_item_added": AGENDA_ITEM_ADDED,
    "minutes_saved": MINUTES_SAVED,
    "minutes_published": MINUTES_PUBLISHED,
    "meeting_cancelled": MEETING_CANCELLED,
    "preference_saved": MY_TOLD_SAVED,
    "words_saved": MY_WORDS_SAVED,
    "preparation_saved": PREPARATION_SAVED,
    "own_score_saved": MY_SCORE_SAVED,
    "comment_saved": MY_COMMENT_SAVED,
    "request_sent": REQUEST_SENT,
    "request_answered": REQUEST_ANSWERED,
}

# Where on the network meeting's working page each message belongs (htmx refreshes that part only).
DONE_SECTION = {
    "plan_created": "planen",
    "overview_saved": "planen",
    "goal_added": "maal",
    "goal_saved": "maal",
    "score_saved": "maal",
    "status_saved": "maal",
    "follow_up_saved": "maal",
    "actor_added": "netvaerk",
    "consent_registered": "samtykker",
    "registered": "planen",
    "agenda_item_added": "dagsorden",
    "minutes_saved": "referat",
    "minutes_published": "referat",
}
