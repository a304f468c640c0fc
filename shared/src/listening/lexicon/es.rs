//! Spanish lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        (2.0, "encanto maravilla estupendamente excelente* genial* perfect* maravill* fantástic* increíble* estupend* buenísim* \
               encantad* impecable* espectacular* recomendable"),
        (1.5, "mejor recomiend* recomend* gracias agradec* encant*"),
        (1.0, "aprecio precioso preciosa bonit* honrad* atentos atentas cercan* detallist* transparente* buen bueno buena buenos buenas amable* content* satisfech* rápid* profesional* honest* \
               justo justa justos agradable* confiar confianza fiable* eficien* atent* correct* gusto \
               limpi* amabilidad cumpl* puntual*"),
        (0.5, "bien vale paciente pacientes ok"),
        (-0.5, "caro caros lento lenta lentos lentas queja* reclamac* esperando espera"),
        (-1.0, "irritante* fastidi* qué_rabia harto harta hartos lástima feo fea sucia sucios sucias perdieron perdió presion* colar colarme ruidos* defectuos* inútil inútiles inservible* encogieron_de mal malo mala malos malas problem* error* errores retras* roto rota sucio* ignor* \
                rayado rayada arañazo desorganiz* molest* peor lamentablemente"),
        (-1.5, "deshonest* incompetencia maleducados grosero* grosera* antipátic* arrogante* decepc* enfad* enoj* abusiv* insatisfech* \
                pérdida disgust* maleducad* incompetente*"),
        (-2.0, "horrible* pésim* terrible* desastr* fatal* lamentabl* asquer* estaf* engañ* vergüenza \
                nunca_más timo timador*"),
    ],
    negators: "no nunca jamás nadie nada ni sin tampoco ningún ninguna ninguno",
    intensifiers: &[
        (1.5, "muy realmente totalmente absolutamente extremadamente súper muchísimo siquiera"),
        (1.3, "demasiado tan bastante gran"),
        (0.6, "poco algo ligeramente"),
    ],
    contrasts: "pero embargo sino",
    soft_contrasts: "",
    concessives: "aunque pesar",
    negating_prefixes: "",
    superlative_prefixes: "",
    max_ending: 4,
    latin_only: false,
    negative_concord: true,
};
