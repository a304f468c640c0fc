//! Spanish lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        // Lost, swapped, missing, someone else's, moved (issue 24).
        (-1.0, "desapareció desaparecido desaparecida sin_respuesta ni_respuesta perdido perdida perdieron perdió pierden perdisteis extraviado extraviaron equivocaron faltan faltaba otro_cliente"),
        // Lukewarm: "ok, nothing special" is neutral, not praise (issue 24).
        (-0.25, "nada_especial nada_del normalito sin_más"),
        (2.0, "encanto maravilla estupendamente excelente* genial* perfect* maravill* fantástic* increíble* estupend* buenísim* \
               encantad* impecable* espectacular* recomendable"),
        (1.5, "mejor recomiend* recomend* gracias agradec* encant*"),
        (1.0, "aprecio precioso preciosa bonit* honrad* atentos atentas cercan* detallist* transparente* buen bueno buena buenos buenas amable* content* satisfech* rápid* profesional* honest* \
               justo justa justos agradable* confiar confianza fiable* eficien* atent* correct* gusto \
               limpio limpia limpios limpias limpísimo limpísima impoluto impoluta amabilidad cumpl* puntual*"),
        (0.5, "bien vale paciente pacientes ok"),
        (-0.5, "caro caros lento lenta lentos lentas queja* reclamac* esperando espera"),
        (-1.0, "irritante* fastidi* qué_rabia harto harta hartos lástima feo fea sucia sucios sucias perdieron perdió presion* colar colarme ruidos* defectuos* inútil inútiles inservible* encogieron_de mal malo mala malos malas problem* error* errores retras* roto rota sucio* ignor* \
                rayado rayada arañazo desorganiz* molest* peor lamentablemente"),
        (-1.5, "deshonest* incompetencia maleducados grosero* grosera* antipátic* arrogante* decepc* enfad* enoj* abusiv* insatisfech* \
                pérdida disgust* maleducad* incompetente*"),
        (-2.0, "horrible* pésim* terrible* desastr* fatal* lamentabl* asquer* estaf* engañ* vergüenza \
                nunca_más timo timador*"),
        // Praise said with a nickname or a deed rather than an adjective.
        (2.0, "un_sol equipazo joya un_encanto crack cracks"),
        (1.5, "salvaron salvó salvavidas de_diez detallazo qué_detalle"),
        (1.0, "sin_rechistar sin_pegas un_detalle"),
        // Complaints told as facts: damage, excuses, fobbing off, waiting, padded bills, silence.
        (-1.0, "agrietad* grieta* rajad* abollad* abolladura* gotea excusa* largas negaron olvidaron olvidó \
                de_más silencio"),
        (-1.5, "sigo_esperando seguimos_esperando todavía_espero cobro_doble doble_cobro"),
        (1.0, "chollo"),
        (-1.0, "eternidad ilocalizable"),
        (-1.0, "equivoc* erróne*"),
    ],
    duties: "arreglaron arreglado arreglada arregló repararon reparado reparada solucionaron solucionado \
             solucionada solucionó resolvieron resuelto disculparon disculpó disculpas disculpa reembols* \
             devolvieron_el devolvieron_la devolvió_la compensaron sustituyeron cambiaron reconocieron reconoció \
             contest* respondieron respond* respuesta llegó llegaron llegado entregaron entregado aplica aplican \
             aplicaron aplicado explic* explicación funciona funcionan funcionaba coge cogen coja localizable",
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
    cues: &[
        // Fixed what others could not (issue 24): "two other garages", "Dva servisy".
        // A favour told with "and even" (issue 24): "and they even topped up the screenwash".
        (1.0, "dos|tres|otros|otro>talleres|taller|mecánicos|médicos y>hasta|incluso|encima|además"),
        // A promise (issue 24): a complaint only when the mention tells it was broken (see
        // `PROMISE_CUE`): "promised Friday, nothing yet", not "promised to call when the part comes".
        (super::PROMISE_CUE, "prometieron|prometió|aseguraron|aseguró|juraron|juró|prometido dijeron|dijo>que|estaría|estará"),
        // Issue 24: waits counted, still nothing, promises, the same fault again, nobody calls.
        (-1.0, "ni+ni #|diez|veinte|cuarenta>minutos>tarde|después cobraron|cobró>dos>veces #|dos|tres|cuatro|cinco>correos|mensajes|llamadas|emails hace>#|dos|tres|cuatro|cinco|diez|una>días|semanas|meses|horas|semana|mes llevo|llevamos>#|dos|tres|cuatro|cinco|diez|una|un>días|semanas|meses|horas|semana|mes>esperando|sin #|dos|tres|cuatro|cinco|diez>días|semanas|meses|horas>ya|esperando|sin sigo|seguimos|sigue|siguen>sin|esperando todavía|aún>no|nada|nadie|ni mismo>problema|fallo|ruido|error|defecto nadie>me|nos>llamó|contestó|respondió|avisó"),
        (-1.0, "segunda|tercera|cuarta|quinta|sexta|enésima>vez>que+llevo|vuelvo|llamo|voy|vengo|reclamo|escribo|pido|traigo \
                por>segunda|tercera|cuarta|quinta|enésima>vez \
                llamé|llamado|escrito|escribí|reclamado|reclamé|fui|volví+dos|tres|cuatro|cinco|varias|mil|#>veces \
                esperando|esperé+semanas|meses llevo+semanas|meses>esperando ni>siquiera"),
        (1.0, "sin+que+tuviera|pidiera|pidiese|preguntara|preguntase|reclamara|insistiera|recordara \
               sin>pedirlo|pedírselo|reclamar|insistir sin>tener>que+pedir*|reclamar|insistir|llamar \
               ni>siquiera+tuve|hizo+pedir*|preguntar|reclamar|insistir|esperar|llamar \
               sin|ninguna>sorpresa|sorpresas exactamente+lo+presupuestado|prometido|pagué|prometieron como>prometieron|prometido \
               ni>un>euro|céntimo>más antes>de>lo>previsto|prometido|esperado \
               segunda|tercera|cuarta|quinta>vez>que+compro|compramos|elijo|elegimos|confío|confiamos siempre>vuelvo|volvemos|repito"),
    ],
    cue_breakers: "malo mala problemas problema fallos quejas averías al por de del más menos sé seguro",
    cue_blockers: "cada próxima próximo dentro estaré estaremos",
    quotes: "presupuesto* dijeron dijo prometieron prometió anunciaba anunciado precio* tarifa* cotizaci* unos",
    charges: "factura* pagué pagamos cobraron cobró marcaba cargaron cargo total",
    agains: "todavía sigue siguen sigo seguimos vez nuevamente",
    waits: "esperando",
    spans: "días semana semanas mes meses horas",
};
