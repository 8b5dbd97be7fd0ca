//! The parsed form of an expression, after the path-building pass (jsonata-js's `processAST`).

use super::signature::Signature;

/// A node with the modifiers JSONata attaches to any expression.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Byte offset of the node's token in the expression text.
    pub pos: usize,
    /// Filters applied to the whole result (`expr[pred]` outside a path).
    pub predicates: Vec<Node>,
    /// Filters applied to each step result inside a path (`a.b[pred]`).
    pub stages: Vec<Node>,
    /// Group-by object constructor applied to the result (`expr{k: v}`).
    pub group: Option<Vec<(Node, Node)>>,
    /// `expr[]`: keep a singleton sequence as an array.
    pub keep_array: bool,
    /// An array constructor that is the first or last step of a path: not flattened.
    pub cons_array: bool,
}

impl Node {
    pub fn new(kind: Kind, pos: usize) -> Node {
        Node {
            kind,
            pos,
            predicates: Vec::new(),
            stages: Vec::new(),
            group: None,
            keep_array: false,
            cons_array: false,
        }
    }
}

/// Binary operators evaluated on both operands (`and`/`or` short-circuit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
    And,
    Or,
    In,
    Range,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "&",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Range => "..",
        }
    }
}

/// One term of a sort step `^(<a, >b)`.
#[derive(Debug)]
pub(crate) struct SortTerm {
    pub descending: bool,
    pub expr: Node,
}

/// A lambda definition `function($a, $b)<sig>{ body }`.
#[derive(Debug)]
pub(crate) struct Lambda {
    pub params: Vec<String>,
    pub signature: Option<Signature>,
    pub body: Node,
}

#[derive(Debug)]
pub(crate) enum Kind {
    /// Navigation steps, each evaluated against every item of the previous step's result.
    Path {
        steps: Vec<Node>,
        keep_singleton: bool,
    },
    /// A field name (a step of a path).
    Name(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Regex(regex::Regex),
    /// `$name` (`$` is the empty name, `$$` is `$`).
    Var(String),
    Wildcard,
    Descendants,
    Neg(Box<Node>),
    Array(Vec<Node>),
    Object(Vec<(Node, Node)>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Condition {
        condition: Box<Node>,
        then: Box<Node>,
        otherwise: Option<Box<Node>>,
    },
    Block(Vec<Node>),
    Bind(String, Box<Node>),
    /// A function call; a `?` argument makes it a partial application.
    Call {
        procedure: Box<Node>,
        args: Vec<Node>,
        partial: bool,
    },
    /// `?` in the arguments of a partial application.
    Placeholder,
    Lambda(Box<Lambda>),
    /// `lhs ~> rhs`.
    Apply(Box<Node>, Box<Node>),
    /// A sort step `^(...)` (only inside a path).
    Sort(Vec<SortTerm>),
    /// `| pattern | update, delete |`.
    Transform {
        pattern: Box<Node>,
        update: Box<Node>,
        delete: Option<Box<Node>>,
    },
}
