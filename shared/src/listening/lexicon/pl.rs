//! Polish lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        (2.0, "złota złoty złoci bajka perfekcyjn* rewelka świetn* doskonał* wspaniał* rewelac* idealn* znakomit* zachwyc* genialn* fantastyczn* \
               bezbłędn*"),
        (1.5, "super polec* dziękuj* dzięki kciuk"),
        (1.0, "doceniam doceniamy piękn* fachowiec fachowo profesjonalista rzetelnie pomocni życzliw* troskliw* zagrało przytuln* dobr* zadowolon* mily miła miłe miło miłej miłego miłym uprzejm* cierpliw* szybk* \
               sprawn* profesjonaln* uczciw* pyszn* czyst* pomocn* rzeteln* solidn* ładn* zaufa* \
               fajn* lepsz* lepiej warto warta warty warte wart komfortow* przyjemn*"),
        (0.5, "jasno oddzwonił oddzwonili ok spoko"),
        (-0.5, "drogo wolno długo reklamac* czekanie"),
        (-1.0, "irytując* wkurza* denerwując* mam_dość brudn* zgubili zgubił naciskał naciskali wcisnąć wciskać* głośn* wadliw* bez_sensu bezużyteczn* bezsens* niepotrzebn* wzruszyli_ramionami zły zła złe źle złego złym złej słab* błąd błędy błęd* opóźni* porysowan* zepsu* \
                problem* ignor* żałow* gorsz* gorzej niestety szkoda nieprzyjemn*"),
        (-1.5, "nieuczciw* niekompetentnie chamsk* chamstwo niemił* niegrzeczn* arogan* rozczarow* zdenerwow* niezadowolon* przepłacon* oszuk* \
                oszust* strata_czasu żenuj* nieprofesjonaln* niekompetentn*"),
        (-2.0, "fataln* okropn* tragiczn* straszn* beznadziejn* najgorsz* katastrof* koszmar* skandal* \
                wstyd nigdy_więcej złodziej*"),
    ],
    negators: "nie nigdy nikt nic bez ani żaden żadna żadne żadnego nikogo niczego",
    intensifiers: &[
        (1.5, "bardzo naprawdę totalnie absolutnie zupełnie ogóle wielkie wielki wielka strasznie \
               niesamowicie ogromnie"),
        (1.3, "zbyt tak taki taka całkiem"),
        (0.6, "trochę lekko nieco dość"),
    ],
    contrasts: "ale jednak lecz natomiast zato",
    soft_contrasts: "",
    concessives: "chociaż choć mimo",
    negating_prefixes: "nie",
    superlative_prefixes: "naj",
    max_ending: 5,
    latin_only: false,
    negative_concord: true,
};
