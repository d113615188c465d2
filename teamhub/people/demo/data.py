"""Built-in tables for the demo organisation: names, places, teams and their work."""

from collections.abc import Mapping
from dataclasses import dataclass

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aarav", "Abebe", "Adaeze", "Adam", "Adriana", "Ahmed", "Aiko",
    "Aisha", "Alejandro", "Aleksander", "Alessia", "Alex", "Alice", "Amara", "Amir",
    "Ana", "Anders", "Andrea", "Anika", "Anna", "Antoine", "Arjun", "Astrid",
    "Ayesha", "Bao", "Beatriz", "Ben", "Bianca", "Bilal", "Camille", "Carlos",
    "Carmen", "Charlotte", "Chen", "Chiara", "Chidi", "Chloe", "Clara", "Daniel",
    "Daniela", "David", "Deepa", "Diego", "Dmitri", "Elena", "Elif", "Elias",
    "Emeka", "Emily", "Emma", "Eun-ji", "Fatima", "Felix", "Fernanda", "Finn",
    "Freya", "Gabriel", "Giulia", "Grace", "Hana", "Hannah", "Hassan", "Helena",
    "Hiroshi", "Ibrahim", "Ines", "Ingrid", "Isabel", "Ivan", "Jakub", "James",
    "Javier", "Jin", "Joanna", "Jonas", "Jorge", "Julia", "Julien", "Kai",
    "Kamala", "Karim", "Katarzyna", "Kenji", "Kofi", "Lars", "Laura", "Layla",
    "Leila", "Leon", "Lina", "Lucas", "Lucia", "Luis", "Maja", "Malik",
    "Maria", "Mariana", "Mateo", "Matthew", "Maya", "Mehmet", "Mei", "Mia",
    "Miguel", "Mina", "Mohammed", "Nadia", "Naveen", "Nia", "Nikhil", "Nina",
    "Noah", "Nora", "Olga", "Oliver", "Olivia", "Omar", "Oscar", "Pablo",
    "Paula", "Pedro", "Pooja", "Rahul", "Rania", "Rafael", "Ravi", "Rebecca",
    "Ren", "Rohan", "Rosa", "Ruth", "Saanvi", "Samuel", "Sara", "Sebastian",
    "Seo-yeon", "Shreya", "Simone", "Siobhan", "Sofia", "Sven", "Tariq", "Thabo",
    "Thomas", "Tobias", "Tomasz", "Valentina", "Vikram", "Wei", "Xin", "Yara",
    "Yasmin", "Yuki", "Yusuf", "Zainab", "Zara", "Zoe",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abara", "Adeyemi", "Ahmed", "Akhtar", "Alvarez", "Andersen", "Bakker", "Banerjee",
    "Becker", "Bianchi", "Brown", "Campbell", "Castillo", "Chen", "Choi", "Clarke",
    "Costa", "Cruz", "Das", "Delgado", "Dimitrov", "Dubois", "Eriksson", "Evans",
    "Fernandes", "Fischer", "Fitzgerald", "Fontaine", "García", "Ghosh", "Gomez",
    "Gonzalez", "Gupta", "Haddad", "Hansen", "Hernandez", "Hoffmann", "Horvat",
    "Hughes", "Hussain", "Ibrahim", "Ito", "Iyer", "Jansen", "Jensen", "Johansson",
    "Johnson", "Kaminski", "Kapoor", "Kato", "Khan", "Kim", "Klein", "Koch",
    "Kowalski", "Kumar", "Larsen", "Laurent", "Lee", "Lehmann", "Lindqvist", "Liu",
    "Lopez", "Mahlangu", "Marchetti", "Martin", "Martinez", "Mehta", "Meyer",
    "Mensah", "Moreau", "Morales", "Müller", "Murphy", "Nakamura", "Nair", "Narang",
    "Nguyen", "Nielsen", "Novak", "Nowak", "O'Brien", "Okafor", "Okonkwo",
    "Oliveira", "Ortiz", "Osei", "Park", "Patel", "Pereira", "Petrov", "Popescu",
    "Quinn", "Rahman", "Ramos", "Rao", "Reddy", "Reyes", "Richter", "Rivera",
    "Romano", "Rossi", "Russo", "Sato", "Schmidt", "Schneider", "Silva", "Singh",
    "Sokolova", "Suzuki", "Svensson", "Takahashi", "Tanaka", "Taylor", "Thomas",
    "Torres", "Tran", "Van Dijk", "Varga", "Vasquez", "Verma", "Wagner", "Walker",
    "Wang", "Weber", "Wilson", "Wójcik", "Wu", "Yamamoto", "Yang", "Yilmaz",
    "Young", "Zhang", "Zhou", "Zimmermann",
)  # fmt: skip

# (city, IANA timezone, weight)
LOCATIONS: tuple[tuple[str, str, int], ...] = (
    ("London", "Europe/London", 18),
    ("Berlin", "Europe/Berlin", 14),
    ("Amsterdam", "Europe/Amsterdam", 8),
    ("Dublin", "Europe/Dublin", 4),
    ("Lisbon", "Europe/Lisbon", 5),
    ("Barcelona", "Europe/Madrid", 4),
    ("Warsaw", "Europe/Warsaw", 5),
    ("Stockholm", "Europe/Stockholm", 4),
    ("New York", "America/New_York", 10),
    ("Toronto", "America/Toronto", 5),
    ("Austin", "America/Chicago", 4),
    ("San Francisco", "America/Los_Angeles", 7),
    ("São Paulo", "America/Sao_Paulo", 3),
    ("Bangalore", "Asia/Kolkata", 7),
    ("Singapore", "Asia/Singapore", 4),
    ("Sydney", "Australia/Sydney", 3),
    ("Remote (UK)", "Europe/London", 3),
    ("Remote (EU)", "Europe/Berlin", 3),
)
TIMEZONES: dict[str, str] = {city: tz for city, tz, _ in LOCATIONS}

DATA_SCIENTIST = "Data Scientist"
ML_ENGINEER = "ML Engineer"
DATA_ENGINEER = "Data Engineer"
ANALYTICS_ENGINEER = "Analytics Engineer"
ENGINEERING_MANAGER = "Engineering Manager"
DIRECTOR = "Director of Data Science & ML"

# Seniority 0..4 -> title prefix; weights of members' seniority.
SENIORITY_PREFIX: tuple[str, ...] = ("Junior", "", "Senior", "Staff", "Principal")
SENIORITY_WEIGHTS: tuple[int, ...] = (15, 34, 31, 13, 7)

# The role a person plays on an initiative, by discipline.
ASSIGNMENT_ROLE: dict[str, str] = {
    DATA_SCIENTIST: "Data scientist",
    ML_ENGINEER: "ML engineer",
    DATA_ENGINEER: "Data engineer",
    ANALYTICS_ENGINEER: "Analytics engineer",
    ENGINEERING_MANAGER: "Engineering manager",
    DIRECTOR: "Sponsor",
}

# Skills most people in an ML organisation list, whatever their team.
COMMON_SKILLS: Mapping[str, float] = {
    "Python": 14,
    "SQL": 10,
    "Git": 8,
    "pandas": 7,
    "NumPy": 6,
    "Jupyter": 6,
    "Machine learning": 7,
    "scikit-learn": 6,
    "Statistics": 6,
    "Data visualisation": 4,
    "Docker": 3,
    "Linux": 2.5,
    "Bash": 2.5,
    "Communication": 4,
    "Stakeholder management": 3,
    "Problem framing": 3,
    "Cross-functional collaboration": 3,
    "Feature engineering": 3.5,
    "A/B testing": 2.5,
    "Deep learning": 2.5,
    "PyTorch": 2,
    "AWS": 2,
    "Apache Spark": 2,
}

# Extra weight by discipline: (category or skill name) -> factor.
DISCIPLINE_BIAS: Mapping[str, Mapping[str, float]] = {
    DATA_SCIENTIST: {"ML technique": 1.6, "Domain": 1.3, "Statistics": 2.0},
    ML_ENGINEER: {
        "MLOps": 3.0,
        "Docker": 2.0,
        "Kubernetes": 2.0,
        "Model serving": 2.5,
        "CI/CD": 2.0,
        "Go": 1.5,
    },
    DATA_ENGINEER: {
        "Data engineering": 3.5,
        "Apache Spark": 2.5,
        "Apache Airflow": 2.5,
        "Scala": 2.0,
        "ML technique": 0.5,
    },
    ANALYTICS_ENGINEER: {
        "dbt": 6.0,
        "SQL": 2.0,
        "Data modelling": 4.0,
        "Looker": 3.0,
        "Tableau": 2.5,
        "Data warehousing": 3.0,
        "Snowflake": 2.0,
        "BigQuery": 2.0,
        "ML technique": 0.5,
    },
    ENGINEERING_MANAGER: {
        "Soft skill": 3.0,
        "People management": 4.0,
        "Hiring and interviewing": 3.0,
        "Mentoring": 3.0,
    },
    DIRECTOR: {
        "Soft skill": 4.0,
        "People management": 5.0,
        "Responsible AI": 3.0,
        "Public speaking": 3.0,
    },
}

# Skills people want to learn across the board, besides their team's.
TRENDING_SKILLS: Mapping[str, float] = {
    "Large language models": 5,
    "Retrieval-augmented generation": 3,
    "LLM fine-tuning": 2,
    "Causal inference": 3,
    "Kubernetes": 2,
    "MLflow": 2,
    "Model monitoring": 2,
    "Polars": 1.5,
    "Rust": 1,
    "Vector databases": 2,
    "Technical leadership": 1.5,
    "Mentoring": 1.5,
    "Public speaking": 1,
    "Bayesian statistics": 1.5,
    "Graph neural networks": 1,
}

GOAL_NOTES: tuple[str, ...] = (
    "Needed for {key}.",
    "Agreed in my last 1:1.",
    "Pairing with a colleague in {team} on this.",
    "Doing the internal course this term.",
    "Part of my growth plan towards the next level.",
    "Would like to lead this on our next initiative.",
    "Reading group on Fridays.",
    "",
    "",
)

SUMMARY_CONTEXTS: tuple[str, ...] = (
    "Replaces a rules-based system that no longer keeps up.",
    "Builds on last year's baseline model.",
    "First ML approach to this problem; scoped as a time-boxed experiment.",
    "Requested by the product team after the quarterly review.",
    "Consolidates three ad-hoc models into one maintained pipeline.",
    "Needs a production pipeline hardened by engineering before launch.",
    "Runs as a shadow model first, then an A/B test.",
)

MARKETS: tuple[str, ...] = (
    "EMEA",
    "North America",
    "APAC",
    "LatAm",
    "mobile app",
    "marketplace",
    "B2B",
    "new markets",
)


@dataclass(frozen=True)
class Family:
    """A group of teams working on one kind of problem (Fraud, NLP, ...)."""

    name: str
    prefix: str
    weight: float
    home: str
    disciplines: Mapping[str, float]
    skills: Mapping[str, float]
    squads: tuple[str, ...]
    initiatives: tuple[str, ...]
    kpis: tuple[tuple[str, str], ...]
    criticality: tuple[int, int, int, int] = (20, 35, 30, 15)


_DS_HEAVY = {
    DATA_SCIENTIST: 70,
    ML_ENGINEER: 18,
    DATA_ENGINEER: 7,
    ANALYTICS_ENGINEER: 5,
}
_ANALYTICS = {
    DATA_SCIENTIST: 60,
    ANALYTICS_ENGINEER: 25,
    DATA_ENGINEER: 10,
    ML_ENGINEER: 5,
}

# The first six always exist; larger organisations add the rest in this order.
FAMILIES: tuple[Family, ...] = (
    Family(
        name="Fraud",
        prefix="FRD",
        weight=15,
        home="London",
        disciplines=_DS_HEAVY,
        skills={
            "Fraud detection": 9,
            "Gradient boosting": 8,
            "Anomaly detection": 8,
            "SQL": 6,
            "XGBoost": 6,
            "LightGBM": 4,
            "Feature engineering": 5,
            "Payments": 4,
            "Graph analytics": 3,
            "Model interpretability": 3,
            "Stream processing": 2.5,
            "Apache Kafka": 2,
            "Anti-money laundering": 2.5,
            "Entity resolution": 2,
            "Graph neural networks": 1.5,
        },
        squads=("Payments", "Identity", "Merchant Risk", "Chargebacks", "Graph"),
        initiatives=(
            "Real-time card fraud scoring",
            "Account takeover detection",
            "Mule account detection with graph features",
            "Chargeback prediction",
            "Merchant risk scoring",
            "Synthetic identity detection",
            "Refund abuse model",
            "Promo abuse detection",
            "Transaction anomaly alerts",
            "Fraud model monitoring and retraining",
            "Reduce false declines at checkout",
        ),
        kpis=(
            ("Fraud loss (bps of GMV)", "-15 %"),
            ("Chargeback rate", "< 0.4 %"),
            ("False decline rate", "-20 %"),
            ("Manual review volume", "-30 %"),
            ("Recall at 1 % FPR", "> 85 %"),
        ),
        criticality=(5, 20, 40, 35),
    ),
    Family(
        name="Recommendations",
        prefix="REC",
        weight=16,
        home="Berlin",
        disciplines=_DS_HEAVY,
        skills={
            "Recommender systems": 9,
            "Collaborative filtering": 6,
            "Embeddings": 6,
            "Apache Spark": 6,
            "Personalisation": 6,
            "Learning to rank": 4,
            "PyTorch": 4,
            "A/B testing": 4,
            "Multi-armed bandits": 3,
            "Deep learning": 3,
            "Vector databases": 2.5,
            "E-commerce": 2.5,
            "Scala": 1.5,
        },
        squads=("Home Feed", "Similar Items", "Email & Push", "Cart & Checkout"),
        initiatives=(
            "Two-tower retrieval for the home feed",
            "Similar-items recommendations",
            "Session-based next-item model",
            "Personalised push notifications",
            "Cold-start recommendations for new users",
            "Re-ranking with business rules",
            "Bandit-driven carousel ordering",
            "Frequently-bought-together bundles",
            "Recommendation diversity improvements",
            "Real-time feature pipeline for recommendations",
        ),
        kpis=(
            ("Click-through rate", "+5 %"),
            ("Revenue per session", "+3 %"),
            ("Items added to cart from recommendations", "+8 %"),
            ("Catalogue coverage", "> 60 %"),
            ("Recall@50", "> 0.35"),
        ),
    ),
    Family(
        name="Forecasting",
        prefix="FCT",
        weight=12,
        home="Amsterdam",
        disciplines=_DS_HEAVY,
        skills={
            "Time series forecasting": 9,
            "Demand forecasting": 7,
            "Prophet": 5,
            "statsmodels": 5,
            "ARIMA": 4,
            "Statistics": 4,
            "Supply chain": 4,
            "Gradient boosting": 3,
            "LightGBM": 3,
            "Bayesian statistics": 2.5,
            "PyMC": 2,
            "Optimisation": 2.5,
            "Pricing": 1.5,
        },
        squads=("Demand", "Supply", "Capacity", "Finance"),
        initiatives=(
            "Weekly demand forecast per store",
            "Intraday call-volume forecasting",
            "Inventory replenishment forecasts",
            "Hierarchical revenue forecast",
            "Holiday-season demand uplift model",
            "Warehouse capacity planning",
            "Probabilistic forecasts for safety stock",
            "Forecast reconciliation across regions",
            "Promotion effect forecasting",
        ),
        kpis=(
            ("Forecast error (WAPE)", "< 18 %"),
            ("Stock-outs", "-25 %"),
            ("Excess inventory", "-10 %"),
            ("Forecast bias", "within ±2 %"),
        ),
    ),
    Family(
        name="NLP",
        prefix="NLP",
        weight=12,
        home="Dublin",
        disciplines=_DS_HEAVY,
        skills={
            "Natural language processing": 9,
            "Transformers": 7,
            "Large language models": 7,
            "PyTorch": 7,
            "Hugging Face Transformers": 6,
            "Embeddings": 4,
            "Retrieval-augmented generation": 4,
            "Prompt engineering": 4,
            "LLM fine-tuning": 3,
            "spaCy": 3,
            "Named entity recognition": 3,
            "Text classification": 4,
            "Topic modelling": 2,
            "Vector databases": 2.5,
            "Content moderation": 1.5,
            "Speech recognition": 1,
            "Deep learning": 4,
        },
        squads=("Assistants", "Document AI", "Language Understanding", "Search QA"),
        initiatives=(
            "Support ticket triage classifier",
            "LLM assistant for customer support agents",
            "Retrieval-augmented answers for the help centre",
            "Product attribute extraction from descriptions",
            "Review sentiment and topic mining",
            "Multilingual intent detection",
            "Contract clause extraction",
            "Toxicity filter for user messages",
            "Summaries of customer conversations",
            "Fine-tuned small model to replace API calls",
        ),
        kpis=(
            ("Tickets resolved without an agent", "+12 %"),
            ("Average handling time", "-20 %"),
            ("Extraction F1", "> 0.9"),
            ("Answer acceptance rate", "> 70 %"),
            ("Inference cost per 1k requests", "-40 %"),
        ),
    ),
    Family(
        name="Computer Vision",
        prefix="CV",
        weight=10,
        home="Warsaw",
        disciplines=_DS_HEAVY,
        skills={
            "Computer vision": 9,
            "PyTorch": 8,
            "Convolutional neural networks": 7,
            "OpenCV": 6,
            "Deep learning": 6,
            "Object detection": 5,
            "Image segmentation": 4,
            "OCR": 3,
            "Vision transformers": 3,
            "GPU programming": 2.5,
            "Model compression": 2.5,
            "ONNX": 2.5,
            "Distributed training": 2,
            "Diffusion models": 1.5,
        },
        squads=("Catalogue Imaging", "Documents", "Visual Search", "Edge"),
        initiatives=(
            "Product image quality scoring",
            "Visual search for similar products",
            "ID document verification",
            "Damage detection from customer photos",
            "Background removal for listings",
            "Receipt OCR",
            "Shelf monitoring from store cameras",
            "On-device model distillation",
            "Synthetic training images",
        ),
        kpis=(
            ("Automated verification rate", "> 80 %"),
            ("Precision at 95 % recall", "> 0.9"),
            ("Listing images rejected", "-30 %"),
            ("Latency p95", "< 120 ms"),
        ),
    ),
    Family(
        name="ML Platform",
        prefix="MLP",
        weight=11,
        home="Berlin",
        disciplines={ML_ENGINEER: 60, DATA_ENGINEER: 22, DATA_SCIENTIST: 18},
        skills={
            "Kubernetes": 9,
            "Docker": 9,
            "MLflow": 7,
            "Apache Airflow": 7,
            "Terraform": 7,
            "CI/CD": 6,
            "Model serving": 6,
            "Model monitoring": 5,
            "Feature stores": 4,
            "AWS": 4,
            "Google Cloud Platform": 3,
            "Linux": 5,
            "Observability": 4,
            "Go": 3,
            "Kubeflow": 3,
            "Ray": 2.5,
            "Triton Inference Server": 2,
            "Experiment tracking": 3,
        },
        squads=("Training", "Serving", "Feature Store", "Developer Experience"),
        initiatives=(
            "Self-service model deployment",
            "Central feature store",
            "GPU training cluster on Kubernetes",
            "Model registry and approvals",
            "Drift monitoring for production models",
            "Batch scoring platform",
            "Experiment tracking for all teams",
            "Cost dashboards for ML workloads",
            "Golden-path project template",
            "Low-latency online inference service",
        ),
        kpis=(
            ("Time from model to production", "< 2 days"),
            ("Models on the platform", "> 40"),
            ("Serving availability", "99.9 %"),
            ("GPU utilisation", "> 65 %"),
        ),
    ),
    Family(
        name="Search & Ranking",
        prefix="SRCH",
        weight=8,
        home="Amsterdam",
        disciplines=_DS_HEAVY,
        skills={
            "Search relevance": 9,
            "Learning to rank": 7,
            "Elasticsearch": 5,
            "Embeddings": 5,
            "Natural language processing": 3,
            "Vector databases": 4,
            "A/B testing": 4,
            "Gradient boosting": 3,
        },
        squads=("Query Understanding", "Ranking", "Autocomplete"),
        initiatives=(
            "Semantic search with dense retrieval",
            "Learning-to-rank for search results",
            "Query spelling correction",
            "Autocomplete suggestions",
            "Zero-results recovery",
            "Search relevance judgements pipeline",
        ),
        kpis=(
            ("Search conversion", "+4 %"),
            ("NDCG@10", "> 0.45"),
            ("Zero-result searches", "-30 %"),
        ),
    ),
    Family(
        name="Pricing",
        prefix="PRC",
        weight=6,
        home="London",
        disciplines=_DS_HEAVY,
        skills={
            "Pricing": 9,
            "Causal inference": 6,
            "Optimisation": 6,
            "Bayesian statistics": 4,
            "A/B testing": 4,
            "Gradient boosting": 3,
            "statsmodels": 3,
        },
        squads=("Dynamic Pricing", "Promotions", "Markdown"),
        initiatives=(
            "Price elasticity estimation",
            "Dynamic delivery fees",
            "Markdown optimisation",
            "Promotion uplift measurement",
            "Competitor price monitoring",
        ),
        kpis=(
            ("Gross margin", "+1.5 pp"),
            ("Promotion ROI", "> 1.3"),
            ("Unsold stock at season end", "-15 %"),
        ),
        criticality=(10, 30, 40, 20),
    ),
    Family(
        name="Risk & Credit",
        prefix="RSK",
        weight=6,
        home="New York",
        disciplines=_DS_HEAVY,
        skills={
            "Credit risk": 9,
            "Linear and logistic regression": 6,
            "Gradient boosting": 5,
            "Model interpretability": 6,
            "Survival analysis": 4,
            "R": 4,
            "Responsible AI": 3,
            "Anti-money laundering": 2,
        },
        squads=("Underwriting", "Collections", "Model Risk"),
        initiatives=(
            "Credit limit model refresh",
            "Early-warning default signals",
            "Collections prioritisation",
            "Fair-lending bias review",
            "Alternative data for thin-file applicants",
        ),
        kpis=(
            ("Default rate at constant approval", "-10 %"),
            ("Gini", "> 0.6"),
            ("Recovered balances", "+8 %"),
        ),
        criticality=(5, 15, 40, 40),
    ),
    Family(
        name="Customer Analytics",
        prefix="CUS",
        weight=6,
        home="Toronto",
        disciplines=_ANALYTICS,
        skills={
            "Customer churn": 8,
            "Customer lifetime value": 7,
            "Product analytics": 6,
            "Survival analysis": 3,
            "Causal inference": 3,
            "dbt": 4,
            "SQL": 6,
            "Tableau": 3,
            "Looker": 3,
            "Clustering": 3,
        },
        squads=("Retention", "Lifecycle", "Insights"),
        initiatives=(
            "Churn prediction for subscribers",
            "Customer lifetime value model",
            "Customer segmentation refresh",
            "Win-back campaign targeting",
            "Self-serve retention dashboards",
        ),
        kpis=(
            ("Monthly churn", "-0.5 pp"),
            ("Retention campaign uplift", "+10 %"),
            ("CLV forecast error", "< 15 %"),
        ),
    ),
    Family(
        name="Marketing Science",
        prefix="MKT",
        weight=5,
        home="New York",
        disciplines=_ANALYTICS,
        skills={
            "Marketing analytics": 9,
            "Causal inference": 6,
            "Bayesian statistics": 5,
            "PyMC": 3,
            "A/B testing": 4,
            "Advertising": 4,
            "Multi-armed bandits": 2,
            "R": 3,
        },
        squads=("Attribution", "Media Mix", "CRM"),
        initiatives=(
            "Marketing mix model",
            "Multi-touch attribution",
            "Bid optimisation for paid search",
            "Incrementality tests for CRM",
            "Audience lookalike model",
        ),
        kpis=(
            ("Return on ad spend", "+12 %"),
            ("Customer acquisition cost", "-8 %"),
            ("Incremental conversions", "+5 %"),
        ),
    ),
    Family(
        name="Experimentation",
        prefix="EXP",
        weight=4,
        home="San Francisco",
        disciplines=_ANALYTICS,
        skills={
            "A/B testing": 9,
            "Statistics": 7,
            "Causal inference": 6,
            "Bayesian statistics": 4,
            "Multi-armed bandits": 3,
            "Product analytics": 4,
            "R": 2,
        },
        squads=("Platform", "Methods"),
        initiatives=(
            "Variance reduction with CUPED",
            "Sequential testing in the experiment platform",
            "Guardrail metrics catalogue",
            "Switchback experiments for marketplaces",
        ),
        kpis=(
            ("Experiments per month", "> 60"),
            ("Time to decision", "-30 %"),
            ("Tests with a pre-registered metric", "> 90 %"),
        ),
    ),
    Family(
        name="Data Engineering",
        prefix="DAT",
        weight=8,
        home="Bangalore",
        disciplines={DATA_ENGINEER: 55, ANALYTICS_ENGINEER: 30, ML_ENGINEER: 15},
        skills={
            "ETL/ELT pipelines": 8,
            "Apache Spark": 7,
            "Apache Airflow": 7,
            "dbt": 6,
            "Data modelling": 6,
            "Data quality": 5,
            "Data warehousing": 5,
            "Apache Kafka": 4,
            "Snowflake": 3,
            "BigQuery": 3,
            "Databricks": 3,
            "Data lakes": 3,
            "Stream processing": 3,
            "Data governance": 2.5,
            "Privacy engineering": 2,
            "Scala": 2,
        },
        squads=("Ingestion", "Warehouse", "Streaming", "Data Quality"),
        initiatives=(
            "Lakehouse migration",
            "Streaming events pipeline",
            "Data contracts for source teams",
            "Data quality checks on core tables",
            "PII tagging and retention",
            "Core dimensional model",
        ),
        kpis=(
            ("Data freshness of core tables", "< 1 h"),
            ("Failed pipeline runs", "-50 %"),
            ("Tables with owners and tests", "> 90 %"),
        ),
    ),
    Family(
        name="Trust & Safety",
        prefix="TNS",
        weight=4,
        home="Singapore",
        disciplines=_DS_HEAVY,
        skills={
            "Content moderation": 9,
            "Anomaly detection": 4,
            "Natural language processing": 4,
            "Computer vision": 3,
            "Graph analytics": 4,
            "Text classification": 4,
            "Responsible AI": 3,
        },
        squads=("Content", "Integrity"),
        initiatives=(
            "Fake review detection",
            "Prohibited listing classifier",
            "Spam account detection",
            "Moderation queue prioritisation",
        ),
        kpis=(
            ("Harmful content reach", "-40 %"),
            ("Moderator throughput", "+25 %"),
            ("Appeal overturn rate", "< 5 %"),
        ),
        criticality=(5, 20, 40, 35),
    ),
)

DEMO_EMAIL_DOMAIN = "demo.teamhub.example"
DEMO_PASSWORD = "teamhub-demo"  # noqa: S105 (the documented demo password)

CORE_FAMILY_COUNT = 6
# Families whose models are deep nets: more compute and ML complexity.
DEEP_LEARNING_FAMILIES = ("NLP", "Computer Vision", "Recommendations")
RECOMMENDATIONS = "Recommendations"
ROOT_TEAM = "Data & AI"


@dataclass(frozen=True)
class DemoLogin:
    """A fixed demo user: username, name and what they do."""

    username: str
    first_name: str
    last_name: str
    title: str


MANAGER_LOGIN = DemoLogin("manager", "Morgan", "Reyes", ENGINEERING_MANAGER)
SCIENTIST_LOGIN = DemoLogin("scientist", "Priya", "Raman", "Senior Data Scientist")
STAKEHOLDER_LOGIN = DemoLogin("stakeholder", "Sofia", "Marchetti", "Product Director")
ADMIN_LOGIN = DemoLogin("admin", "Jordan", "Blake", "TeamHub administrator")

# The scientist's hand-written profile: skill -> (level, interest).
SCIENTIST_SKILLS: Mapping[str, tuple[int, int]] = {
    "Python": (4, 3),
    "SQL": (4, 2),
    "PyTorch": (4, 3),
    "Recommender systems": (4, 3),
    "Embeddings": (3, 3),
    "Deep learning": (3, 3),
    "scikit-learn": (4, 2),
    "pandas": (4, 2),
    "NumPy": (4, 1),
    "Apache Spark": (3, 1),
    "Feature engineering": (4, 2),
    "Collaborative filtering": (3, 2),
    "Learning to rank": (2, 3),
    "A/B testing": (3, 2),
    "Statistics": (3, 2),
    "Natural language processing": (3, 3),
    "Transformers": (2, 3),
    "Large language models": (2, 3),
    "Docker": (2, 1),
    "MLflow": (2, 1),
    "Git": (4, 1),
    "Jupyter": (4, 1),
    "Data visualisation": (3, 1),
    "Communication": (3, 2),
    "Stakeholder management": (2, 2),
    "Mentoring": (2, 2),
}
# skill -> (target level, note)
SCIENTIST_GOALS: Mapping[str, tuple[int, str]] = {
    "Large language models": (4, "Want to lead the LLM re-ranking experiment."),
    "Kubernetes": (3, "Deploy my own models without waiting for the platform team."),
    "Learning to rank": (4, "Agreed in my last 1:1."),
}
