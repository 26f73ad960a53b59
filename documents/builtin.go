package documents

// Template names with a meaning in the code: a student may ask only for
// their own certificate.
const (
	Certificate = "certificate"
	Proposal    = "proposal"
	Invoice     = "invoice"
)

// builtin declares the templates; each has templates/<name>.es.md and
// templates/<name>.en.md.
func builtin() []Template {
	clientName := Var{Name: "client_name", Type: TypeString, Required: true,
		Label:       Text{ES: "nombre del cliente", EN: "client name", PT: "nome do cliente"},
		Description: Text{ES: "Persona a la que va dirigido.", EN: "The person it is addressed to.", PT: "Pessoa a quem se destina."},
		Aliases:     []string{"cliente", "client", "nombre_del_cliente", "contacto", "contact", "customer", "para", "to", "dirigido_a", "nombre", "name"}}
	items := Var{Name: "items", Type: TypeItems, Required: true,
		Label: Text{ES: "conceptos con precio", EN: "items with prices", PT: "itens com preço"},
		Description: Text{ES: "Conceptos y precios: lista de {description, quantity, unit_price} o texto «Taller de IA 1500; 2x Mentoría 300».",
			EN: "Items and prices: a list of {description, quantity, unit_price} or text “AI workshop 1500; 2x Mentoring 300”.", PT: "Itens e preços: lista de {description, quantity, unit_price} ou texto “Workshop de IA 1500; 2x Mentoria 300”."},
		Aliases: []string{"conceptos", "concepto", "servicios", "servicio", "partidas", "lineas", "productos", "services", "lines", "line_items", "precios", "prices"}}
	currency := Var{Name: "currency", Type: TypeString,
		Label:       Text{ES: "moneda", EN: "currency", PT: "moeda"},
		Description: Text{ES: "Moneda de los precios (USD si no se indica).", EN: "Currency of the prices (USD when not given).", PT: "Moeda dos preços (USD se não for informada)."},
		Aliases:     []string{"moneda", "divisa"}}
	return []Template{
		{
			Name:        Certificate,
			Title:       Text{ES: "Certificado de finalización", EN: "Certificate of completion", PT: "Certificado de conclusão"},
			Description: Text{ES: "Certificado de que un alumno terminó un curso.", EN: "Certifies that a student completed a course.", PT: "Certifica que um aluno concluiu um curso."},
			Aliases:     []string{"certificado", "certificate_of_completion", "diploma", "constancia"},
			Vars: []Var{
				{Name: "student_name", Type: TypeString, Required: true,
					Label:       Text{ES: "nombre del alumno", EN: "student name", PT: "nome do aluno"},
					Description: Text{ES: "Nombre completo del alumno.", EN: "The student's full name.", PT: "Nome completo do aluno."},
					Aliases:     []string{"alumno", "alumna", "estudiante", "student", "nombre", "name", "nombre_del_alumno"}},
				{Name: "course_title", Type: TypeString, Required: true,
					Label:       Text{ES: "curso", EN: "course", PT: "curso"},
					Description: Text{ES: "Título del curso.", EN: "The course title.", PT: "Título do curso."},
					Aliases:     []string{"curso", "course", "titulo_del_curso", "titulo", "title"}},
				{Name: "completion_date", Type: TypeDate, Required: true,
					Label:       Text{ES: "fecha de finalización", EN: "completion date", PT: "data de conclusão"},
					Description: Text{ES: "Día en que terminó el curso.", EN: "The day the course was completed.", PT: "Dia em que o curso foi concluído."},
					Aliases:     []string{"fecha", "date", "fecha_de_finalizacion", "finalizacion", "completed", "completed_on"}},
				{Name: "certificate_number", Type: TypeString, Required: true,
					Label:       Text{ES: "número de certificado", EN: "certificate number", PT: "número do certificado"},
					Description: Text{ES: "Identificador del certificado, para verificarlo; se asigna si no se indica.", EN: "The certificate's identifier, to verify it; assigned when not given.", PT: "Identificador do certificado, para verificá-lo; atribuído se não for informado."},
					Aliases:     []string{"numero", "number", "numero_de_certificado", "folio", "id"}, Serial: "CERT"},
			},
		},
		{
			Name:        Proposal,
			Title:       Text{ES: "Propuesta comercial", EN: "Commercial proposal", PT: "Proposta comercial"},
			Description: Text{ES: "Propuesta para un cliente: conceptos, precios y validez.", EN: "A proposal for a client: items, prices and validity.", PT: "Proposta para um cliente: itens, preços e validade."},
			Aliases:     []string{"propuesta", "propuesta_comercial", "commercial_proposal", "cotizacion", "quote", "oferta", "offer"},
			Vars: []Var{
				clientName,
				{Name: "company", Type: TypeString, Required: true,
					Label:       Text{ES: "empresa", EN: "company", PT: "empresa"},
					Description: Text{ES: "Empresa del cliente.", EN: "The client's company.", PT: "Empresa do cliente."},
					Aliases:     []string{"empresa", "compania", "company_name", "organizacion", "organization", "razon_social"}},
				items,
				{Name: "valid_until", Type: TypeValidity, Required: true,
					Label:       Text{ES: "validez", EN: "validity", PT: "validade"},
					Description: Text{ES: "Hasta cuándo vale: una fecha o un número de días («30 días»); 30 días si no se indica.", EN: "Until when it holds: a date or a number of days (“30 days”); 30 days when not given.", PT: "Até quando vale: uma data ou um número de dias (“30 dias”); 30 dias se não for informada."},
					Aliases:     []string{"validez", "valida_hasta", "vigencia", "valid", "validity", "vence", "expires"}, Default: "30 days"},
				currency,
				{Name: "notes", Type: TypeString,
					Label:       Text{ES: "notas", EN: "notes", PT: "observações"},
					Description: Text{ES: "Condiciones o comentarios.", EN: "Terms or comments.", PT: "Condições ou comentários."},
					Aliases:     []string{"notas", "observaciones", "condiciones", "terms", "comentarios", "comments"}},
			},
		},
		{
			Name:        Invoice,
			Title:       Text{ES: "Factura", EN: "Invoice", PT: "Fatura"},
			Description: Text{ES: "Resumen de cobro: conceptos, impuestos y total.", EN: "A billing summary: items, tax and total.", PT: "Resumo de cobrança: itens, impostos e total."},
			Aliases:     []string{"factura", "invoice_summary", "recibo", "receipt", "bill", "cuenta_de_cobro"},
			Vars: []Var{
				{Name: "invoice_number", Type: TypeString, Required: true,
					Label:       Text{ES: "número de factura", EN: "invoice number", PT: "número da fatura"},
					Description: Text{ES: "Número de la factura; se asigna si no se indica.", EN: "The invoice number; assigned when not given.", PT: "Número da fatura; atribuído se não for informado."},
					Aliases:     []string{"numero", "number", "numero_de_factura", "folio", "factura"}, Serial: "INV"},
				clientName,
				{Name: "company", Type: TypeString,
					Label:       Text{ES: "empresa", EN: "company", PT: "empresa"},
					Description: Text{ES: "Empresa facturada.", EN: "The company billed.", PT: "Empresa faturada."},
					Aliases:     []string{"empresa", "compania", "company_name", "razon_social"}},
				{Name: "tax_id", Type: TypeString,
					Label:       Text{ES: "identificación fiscal", EN: "tax id", PT: "identificação fiscal"},
					Description: Text{ES: "RFC, NIF, CUIT… del cliente.", EN: "The client's tax id (VAT number…).", PT: "CNPJ, CPF, RFC, NIF… do cliente."},
					Aliases:     []string{"rfc", "nif", "cif", "cuit", "rut", "vat", "identificacion_fiscal"}},
				items,
				{Name: "tax_rate", Type: TypeNumber,
					Label:       Text{ES: "impuesto (%)", EN: "tax (%)", PT: "imposto (%)"},
					Description: Text{ES: "Porcentaje de impuesto sobre el subtotal (IVA).", EN: "Tax percentage on the subtotal (VAT).", PT: "Porcentagem de imposto sobre o subtotal."},
					Aliases:     []string{"iva", "impuesto", "tax", "vat_rate", "tasa"}},
				{Name: "due_date", Type: TypeValidity,
					Label:       Text{ES: "vencimiento", EN: "due date", PT: "vencimento"},
					Description: Text{ES: "Fecha de pago: una fecha o un número de días.", EN: "When it is due: a date or a number of days.", PT: "Data de pagamento: uma data ou um número de dias."},
					Aliases:     []string{"vencimiento", "fecha_de_vencimiento", "due", "pagar_antes_de"}},
				currency,
			},
		},
	}
}
