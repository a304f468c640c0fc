//! Polish lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        // Lost, swapped, missing, someone else's, moved (issue 24).
        (-1.0, "zniknął zniknęła zniknęło zniknęły bez_odpowiedzi zero_odpowiedzi zgubili zgubił zgubiła gubicie gubią pomylili pomylił przełożyli zamienili cudze cudzy cudzych brakuje brakowało"),
        // Lukewarm: "ok, nothing special" is neutral, not praise (issue 24).
        (-0.25, "nic_specjalnego nic_szczególnego bez_szału nic_nadzwyczajnego"),
        (2.0, "złota złoty złoci bajka perfekcyjn* rewelka świetn* doskonał* wspaniał* rewelac* idealn* znakomit* zachwyc* genialn* fantastyczn* \
               bezbłędn*"),
        (1.5, "super polec* dziękuj* dzięki kciuk"),
        (1.0, "doceniam doceniamy piękn* fachowiec fachowo profesjonalista rzetelnie pomocni życzliw* troskliw* zagrało przytuln* dobr* zadowolon* mily miła miłe miło miłej miłego miłym uprzejm* cierpliw* szybk* \
               sprawn* profesjonaln* profesjonalizm* uczciw* pyszn* czyst* pomocn* rzeteln* solidn* ładn* zaufa* \
               fajn* lepsz* lepiej warto warta warty warte wart komfortow* przyjemn*"),
        (0.5, "jasno ok spoko"),
        (-0.5, "drogo wolno długo reklamac* czekanie"),
        (-1.0, "irytując* wkurza* denerwując* mam_dość brudn* zgubili zgubił naciskał naciskali wcisnąć wciskać* głośn* wadliw* bez_sensu bezużyteczn* bezsens* niepotrzebn* wzruszyli_ramionami zły zła złe źle złego złym złej słab* błąd błędy błęd* opóźni* porysowan* zepsu* \
                problem* ignor* żałow* gorsz* gorzej niestety szkoda nieprzyjemn*"),
        (-1.5, "nieuczciw* niekompetentnie chamsk* chamstwo niemił* niegrzeczn* arogan* rozczarow* zdenerwow* niezadowolon* przepłacon* oszuk* \
                oszust* strata_czasu żenuj* nieprofesjonaln* niekompetentn*"),
        (-2.0, "fataln* okropn* tragiczn* straszn* beznadziejn* najgorsz* katastrof* koszmar* skandal* \
                wstyd nigdy_więcej złodziej* porażk* syf syfu syfem to_dno totalne_dno"),
        // Praise said with a nickname or a deed rather than an adjective.
        (2.0, "złota_rączka złote_ręce złoty_człowiek skarb"),
        (1.5, "uratowal* na_medal"),
        (1.0, "bez_gadania bez_dyskusji"),
        // Complaints told as facts: damage, excuses, fobbing off, waiting, what is missing.
        (-1.0, "pękn* popękan* rysa rysy rysę rysą wgniecion* cieknie przecieka zbywa* zbyli spławi* wymówk* \
                odmówil* odmow* zapomniel* brakuje dalej_czekam nadal_czekam wciąż_czekam zbędn*"),
        (-1.5, "naciągn* naciąga* zdzier*"),
        (1.0, "opłacal* okazyjn*"),
        (-1.0, "wieczność wieki"),
        (-1.0, "pomyłk* pomylil*"),
    ],
    duties: "naprawil* naprawion* poprawil* rozwiązal* rozwiązan* przeprosil* przeprosin* zwrócili_pieniądze \
             zwrot* wymienil* wymienion* przyznal* odpowiedzial* odpowiedź odpowiedzi odpowiada* oddzwoni* \
             odezwal* odzew* wyjaśnil* wyjaśni* dotarł* dostarczy* dostarczon* uwzględni* działa działają \
             działało odbiera* odbierają dodzwoni*",
    negators: "nie nigdy nikt nic bez ani żaden żadna żadne żadnego nikogo niczego brak braku",
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
    cues: &[
        // Fixed what others could not (issue 24): "two other garages", "Dva servisy".
        // A favour told with "and even" (issue 24): "and they even topped up the screenwash".
        (1.0, "dwa|trzy|inne|inny>warsztaty|warsztat|mechanicy|serwisy|lekarze i>nawet|jeszcze"),
        // A promise (issue 24): a complaint only when the mention tells it was broken (see
        // `PROMISE_CUE`): "promised Friday, nothing yet", not "promised to call when the part comes".
        (super::PROMISE_CUE, "obiecali|obiecał|obiecała|zapewniali|zapewniał|przysięgali|obiecane miało>być"),
        // Issue 24: waits counted, still nothing, promises, the same fault again, nobody calls.
        (-1.0, "ani+ani #|dziesięć|dwadzieścia|czterdzieści>minut>później|spóźnienia pobrali|pobrano|naliczyli|policzyli>dwa|dwukrotnie #|dwa|trzy|cztery|pięć>maile|maili|wiadomości|telefony|telefonów|połączeń|połączenia #|dwa|trzy|cztery|pięć|dziesięć>dni|dzień|tygodnie|tygodni|miesiące|miesięcy|godziny|godzin>temu|już|minęło|nic nadal|wciąż|dalej|ciągle>nic|nie|brak|nikt|żadn* ten|ta|to>sam*>usterk*|problem*|dźwięk|stuk|błąd|awari* nikt>nie>oddzwonił|zadzwonił|odpisał|odpowiedział|odebrał"),
        (-1.0, "trzeci|czwarty|piąty|kolejny>raz po>raz>drugi|trzeci|czwarty|kolejny|enty|setny \
                dzwoniłem|dzwoniłam|pisałem|pisałam|przyjeżdżałem|przyjeżdżałam|reklamowałem|reklamowałam+dwa|trzy|cztery|pięć|kilka|parę|#>razy \
                dwa|trzy|cztery|pięć|kilka|parę|#>razy+dzwoniłem|dzwoniłam|pisałem|pisałam|przyjeżdżałem|przyjeżdżałam|reklamowałem|reklamowałam \
                dwukrotnie|trzykrotnie|wielokrotnie|kilkakrotnie+dzwoniłem|dzwoniłam|pisałem|pisałam|reklamowałem|reklamowałam \
                czekam|czekałem|czekałam|czekamy+tydzień|tygodnie|tygodni|miesiąc|miesiące|miesięcy nawet>nie"),
        (1.0, "bez>proszenia|przypominania|dopytywania nawet>nie+musiał|musiałem|musiałam|trzeba+prosić|pytać|przypominać|dzwonić|czekać \
               sami>zaproponowali|oddzwonili bez>niespodzianek|niespodzianki zgodnie>z>wyceną|obietnicą \
               wcześniej>niż>obiecali|zapowiadali drugi|trzeci|czwarty|piąty|kolejny>raz>kupuj*|kupił*|wybieram|wybrał* \
               od>lat>serwisuj*|kupuj*"),
    ],
    cue_breakers: "źle złe problemów problemy usterek awarii zastrzeżeń w taniej szybciej więcej mniej częściej wiem do",
    cue_blockers: "każdy każdą każdego za przyszłego przyszłym",
    quotes: "około telefon* powiedział powiedziała powiedzieli mówili wycen* kosztorys* oferta ofert* cena ogłoszen* obiecali umówili",
    charges: "odbior* zapłaciłem zapłaciłem zapłaciłam zapłaci* faktur* paragon* rachun* policzyli doliczyli skasowali wyszło",
    agains: "wciąż nadal dalej znowu znów ponownie",
    waits: "czekam czekamy dzwonię piszę",
    spans: "dni tydzień tygodnie tygodni miesiąc miesiące miesięcy godziny godzin godzinę",
};
